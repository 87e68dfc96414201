/**
 * One point of `/results/timeseries`: the cumulative per-variant rate|mean with its interval and
 * the primary comparison p-value, computed by exactly the same code as `/results`.
 */
import { compareToControl, summarizeVariantMetric, type MetricSufficientStats } from './compare';
import { adjustPValues } from './multiple-testing';
import { alphaOf } from './numbers';
import type { AnalysisMode, Correction, Goal, Interval, MetricType } from './types';

export interface TimeseriesPointInput {
  analysis: AnalysisMode;
  confidenceLevel: number;
  /** Applied across the treatments of this one metric when there are several. */
  correction: Correction;
  controlVariant: string;
  /** Cumulative assigned users up to the point. */
  variants: { name: string; users: number }[];
  metric: {
    type: MetricType;
    goal: Goal;
    /** Cumulative sufficient statistics up to the point, keyed by variant name. */
    perVariant: Record<string, MetricSufficientStats>;
  };
}

export type TimeseriesVariant =
  | { name: string; users: number; rate: number | null; ci: Interval | null }
  | { name: string; users: number; mean: number | null; ci: Interval | null };

export interface TimeseriesComparison {
  variant: string;
  pValue: number | null;
  chanceToWin: number | null;
}

export interface TimeseriesPoint {
  variants: TimeseriesVariant[];
  /**
   * With one treatment, its p-value (fixed-horizon for frequentist, always-valid for sequential).
   * With several, the smallest p-value after `correction` across this metric's treatments.
   * `null` in bayesian mode (see `comparisons[].chanceToWin`) or when undefined.
   */
  pValue: number | null;
  comparisons: TimeseriesComparison[];
}

const ZERO_STATS: MetricSufficientStats = { conversions: 0, sum: 0, sumSquares: 0 };

export function analyzeTimeseriesPoint(input: TimeseriesPointInput): TimeseriesPoint {
  const { analysis, confidenceLevel, metric } = input;
  alphaOf(confidenceLevel);
  const control = input.variants.find((v) => v.name === input.controlVariant);
  if (!control) throw new Error(`control variant "${input.controlVariant}" is not one of the variants`);
  const sample = (v: { name: string; users: number }) => ({
    users: v.users,
    stats: metric.perVariant[v.name] ?? ZERO_STATS,
  });

  const variants: TimeseriesVariant[] = input.variants.map((v) => {
    const s = summarizeVariantMetric(v.name, sample(v), metric.type, analysis, confidenceLevel);
    return metric.type === 'conversion'
      ? { name: v.name, users: v.users, rate: s.rate, ci: s.ci }
      : { name: v.name, users: v.users, mean: s.mean, ci: s.ci };
  });

  const comparisons: TimeseriesComparison[] = input.variants
    .filter((v) => v.name !== control.name)
    .map((v) => {
      const raw = compareToControl(sample(v), sample(control), {
        type: metric.type,
        goal: metric.goal,
        analysis,
        confidenceLevel,
      });
      return { variant: v.name, pValue: raw.pValue, chanceToWin: raw.chanceToWin };
    });

  const adjusted = adjustPValues(
    comparisons.map((c) => c.pValue),
    input.correction,
  ).filter((p): p is number => p !== null);
  const pValue = adjusted.length === 0 ? null : Math.min(...adjusted);
  return { variants, pValue, comparisons };
}
