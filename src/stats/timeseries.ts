/**
 * One point of `/results/timeseries`: the cumulative per-variant rate|mean with its interval and the
 * metric's comparisons, computed by `analyzeMetrics` — the same code, the same family and the same
 * significance rule as `/results`, so the last point equals `/results` when given the same data.
 */
import { analyzeMetrics, type AnalysisMetricInput } from './analyze-experiment';
import type { AnalysisMode, Correction, Interval, MetricRole } from './types';

export interface TimeseriesPointInput {
  analysis: AnalysisMode;
  confidenceLevel: number;
  correction: Correction;
  controlVariant: string;
  /** Cumulative assigned users up to the point. */
  variants: { name: string; users: number }[];
  /**
   * Cumulative sufficient statistics up to the point of the charted metric and of every metric in
   * its family (see `timeseriesMetrics`).
   */
  metrics: AnalysisMetricInput[];
  /** The charted metric (one of `metrics`). */
  metric: string;
}

export type TimeseriesVariant =
  | { name: string; users: number; rate: number | null; ci: Interval | null }
  | { name: string; users: number; mean: number | null; ci: Interval | null };

export interface TimeseriesComparison {
  variant: string;
  pValue: number | null;
  /** After the family correction, exactly as `/results` (guardrails: unadjusted). */
  adjustedPValue: number | null;
  significant: boolean;
  chanceToWin: number | null;
}

export interface TimeseriesPoint {
  variants: TimeseriesVariant[];
  /**
   * The smallest `adjustedPValue` of the metric's comparisons (with one treatment: its adjusted
   * p-value, as `/results` reports it). `null` in bayesian mode (see `comparisons[].chanceToWin`) or
   * when no comparison is tested yet.
   */
  pValue: number | null;
  comparisons: TimeseriesComparison[];
}

/**
 * Which metrics a point of `metric` needs: itself, and — when a family correction applies to it —
 * every other metric of the family (primary and secondary), since their p-values move its adjusted
 * p-value. Guardrails are unadjusted, bayesian mode has no p-values and `none` adjusts nothing.
 */
export function timeseriesMetrics<M extends { name: string; role: MetricRole }>(
  metrics: M[],
  metric: string,
  analysis: AnalysisMode,
  correction: Correction,
): M[] {
  const charted = metrics.find((m) => m.name === metric);
  if (!charted) return [];
  if (charted.role === 'guardrail' || analysis === 'bayesian' || correction === 'none') return [charted];
  return metrics.filter((m) => m.name === metric || m.role !== 'guardrail');
}

export function analyzeTimeseriesPoint(input: TimeseriesPointInput): TimeseriesPoint {
  const works = analyzeMetrics({ ...input, decisionIntervals: false });
  const work = works.find((w) => w.input.name === input.metric);
  if (!work) throw new Error(`metric "${input.metric}" is not one of the point's metrics`);
  const type = work.input.type;
  const variants: TimeseriesVariant[] = work.result.variants.map((v) =>
    type === 'conversion'
      ? { name: v.name, users: v.users, rate: v.rate, ci: v.ci }
      : { name: v.name, users: v.users, mean: v.mean, ci: v.ci },
  );
  const comparisons: TimeseriesComparison[] = work.result.comparisons.map((c) => ({
    variant: c.variant,
    pValue: c.pValue,
    adjustedPValue: c.adjustedPValue,
    significant: c.significant,
    chanceToWin: c.chanceToWin,
  }));
  let pValue: number | null = null;
  for (const c of comparisons) {
    if (c.adjustedPValue !== null && (pValue === null || c.adjustedPValue < pValue)) pValue = c.adjustedPValue;
  }
  return { variants, pValue, comparisons };
}
