/** Domain types of an experiment, shared by the modules that read experiments (no framework imports). */
export const EXPERIMENT_STATUSES = ['draft', 'running', 'paused', 'completed'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

export const METRIC_TYPES = ['conversion', 'mean'] as const;
export const METRIC_GOALS = ['increase', 'decrease'] as const;
export const METRIC_ROLES = ['primary', 'secondary', 'guardrail'] as const;
export const ANALYSIS_KINDS = ['frequentist', 'sequential', 'bayesian'] as const;
export const CORRECTIONS = ['holm', 'bh', 'none'] as const;

export type MetricType = (typeof METRIC_TYPES)[number];
export type MetricGoal = (typeof METRIC_GOALS)[number];
export type MetricRole = (typeof METRIC_ROLES)[number];
export type AnalysisKind = (typeof ANALYSIS_KINDS)[number];
export type Correction = (typeof CORRECTIONS)[number];

export interface Variant {
  name: string;
  weight: number;
  config: Record<string, unknown>;
}

export interface Metric {
  name: string;
  type: MetricType;
  goal: MetricGoal;
  role: MetricRole;
}

export interface Experiment {
  id: string;
  key: string;
  name: string;
  description: string | null;
  hypothesis: string | null;
  status: ExperimentStatus;
  variants: Variant[];
  controlVariant: string;
  trafficAllocation: number;
  metrics: Metric[];
  minimumSampleSize: number;
  confidenceLevel: number;
  analysis: AnalysisKind;
  correction: Correction;
  hashSeed: string;
  winner: string | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  pausedAt: Date | null;
  completedAt: Date | null;
}
