/**
 * Turns the per-bucket rows of `timeseriesBuckets` into cumulative points in one linear pass (rows
 * sorted once, one pointer), computing each point with the same code as /results. Long series give
 * the event loop back between slices, so no request holds it for more than a few milliseconds.
 */
import type { Experiment, Metric } from '../experiments/experiment.model';
import { analyzeTimeseriesPoint, type AnalysisMetricInput, type MetricSufficientStats, type TimeseriesPoint } from '../stats';
import type { AnalysisMode } from '../stats/types';
import type { BucketRow, TimeseriesWindow } from './results.queries';

export const INTERVAL_MS = { day: 86_400_000, hour: 3_600_000 } as const;

/** At most this many points, fewer for wide experiments (see `maxPointsFor`). */
export const MAX_POINTS = 1000;
const MIN_POINTS = 30;
/** Per-point work ∝ metrics analysed × variants; this bounds their product summed over the series. */
const POINT_WORK_BUDGET = 40_000;
/** Longest stretch of synchronous work before the event loop gets a turn. */
const SLICE_MS = 5;

/** How many points a series may have, so that its total work stays bounded whatever the experiment's width. */
export function maxPointsFor(metrics: number, variants: number): number {
  const perPoint = Math.max(1, metrics * variants);
  return Math.max(MIN_POINTS, Math.min(MAX_POINTS, Math.floor(POINT_WORK_BUDGET / perPoint)));
}

/** The last bucket is the one holding `end`; the first is `maxPoints − 1` buckets before it. */
export function timeseriesWindow(interval: 'day' | 'hour', end: Date, maxPoints: number): TimeseriesWindow {
  const step = INTERVAL_MS[interval];
  const last = Math.floor(end.getTime() / step) * step;
  return { interval, first: new Date(last - (maxPoints - 1) * step), last: new Date(last) };
}

export interface PointsInput {
  experiment: Pick<Experiment, 'variants' | 'controlVariant' | 'confidenceLevel' | 'correction'>;
  analysis: AnalysisMode;
  /** The charted metric and the metrics of its family (timeseriesMetrics). */
  metrics: Metric[];
  metric: string;
  window: TimeseriesWindow;
  rows: BucketRow[];
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * One point per bucket from the first bucket with data to the window's last, each cumulative.
 * Mean-metric sums come from SQL already cumulative (exact); counts are added up here.
 */
export async function buildPoints(input: PointsInput): Promise<({ at: string } & TimeseriesPoint)[]> {
  const { experiment, window, metrics } = input;
  const step = INTERVAL_MS[window.interval];
  const rows = [...input.rows].sort((a, b) => a.bucket.getTime() - b.bucket.getTime());
  if (rows.length === 0) return [];

  const users = new Map<string, number>(experiment.variants.map((v) => [v.name, 0]));
  const stats = new Map<string, Map<string, MetricSufficientStats>>(
    metrics.map((m) => [m.name, new Map(experiment.variants.map((v) => [v.name, { conversions: 0, sum: 0, sumSquares: 0 }]))]),
  );
  const points: ({ at: string } & TimeseriesPoint)[] = [];
  let next = 0;
  let sliceStart = performance.now();
  for (let at = rows[0].bucket.getTime(); at <= window.last.getTime(); at += step) {
    for (; next < rows.length && rows[next].bucket.getTime() <= at; next++) {
      const row = rows[next];
      if (row.kind === 'users') {
        if (users.has(row.variant)) users.set(row.variant, users.get(row.variant)! + row.count);
        continue;
      }
      const s = stats.get(row.eventName ?? '')?.get(row.variant);
      if (!s) continue;
      // mean_total (last bucket) is absolute: the stored totals, as /results reads them.
      s.conversions = row.kind === 'mean_total' ? row.count : s.conversions + row.count;
      if (row.kind === 'mean' || row.kind === 'mean_total') {
        s.sum = row.cumulativeSum ?? '0';
        s.sumSquares = row.cumulativeSumSquares ?? '0';
      }
    }
    const metricInputs: AnalysisMetricInput[] = metrics.map((m) => ({
      name: m.name,
      type: m.type,
      goal: m.goal,
      role: m.role,
      perVariant: Object.fromEntries([...stats.get(m.name)!].map(([variant, s]) => [variant, { ...s }])),
    }));
    const point = analyzeTimeseriesPoint({
      analysis: input.analysis,
      confidenceLevel: experiment.confidenceLevel,
      correction: experiment.correction,
      controlVariant: experiment.controlVariant,
      variants: experiment.variants.map((v) => ({ name: v.name, users: users.get(v.name) ?? 0 })),
      metrics: metricInputs,
      metric: input.metric,
    });
    points.push({ at: new Date(at).toISOString(), ...point });
    if (performance.now() - sliceStart > SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
  return points;
}
