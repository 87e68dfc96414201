/** A two-sided interval `[lower, upper]`. */
export type Interval = [number, number];

export type Goal = 'increase' | 'decrease';
export type MetricType = 'conversion' | 'mean';
export type MetricRole = 'primary' | 'secondary' | 'guardrail';
export type AnalysisMode = 'frequentist' | 'sequential' | 'bayesian';
export type Correction = 'holm' | 'bh' | 'none';
