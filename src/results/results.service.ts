import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { InvalidInputError } from '../common/errors';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { AnalysisKind, Experiment } from '../experiments/experiment.model';
import { ExperimentsService } from '../experiments/experiments.service';
import { MetricsService } from '../metrics/metrics.service';
import { AnalysisResult, analyzeExperiment, TimeseriesPoint, timeseriesMetrics } from '../stats';
import { conversionSampleSize, meanSampleSize, SampleSizeResult } from '../stats/sample-size';
import type { SampleSizeQuery } from './dto/sample-size.query';
import { resultsSnapshot, timeseriesBuckets } from './results.queries';
import { buildPoints, maxPointsFor, timeseriesWindow } from './timeseries-points';

export interface ResultsResponse extends AnalysisResult {
  experimentId: string;
  key: string;
  status: Experiment['status'];
  computedAt: string;
}

export interface TimeseriesResponse {
  metric: string;
  interval: 'day' | 'hour';
  points: ({ at: string } & TimeseriesPoint)[];
}

interface CacheEntry {
  at: number;
  version: string;
  result: ResultsResponse;
}

/** The cache is per replica and small: one entry per experiment and analysis kind, oldest dropped first. */
const MAX_CACHE_ENTRIES = 1000;

/**
 * Results and time series of an experiment. Reading them has no side effects: no alert, no write.
 * Alerts and the periodic refresh belong to the analysis job (src/analysis), which calls `compute`
 * and hands the result back through `remember`.
 */
@Injectable()
export class ResultsService {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly experiments: ExperimentsService,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {}

  /**
   * Results of one experiment. Reused for RESULTS_CACHE_SECONDS unless `fresh`; an edit of the
   * experiment (its updatedAt) makes the cached copy stale at once.
   */
  async results(idOrKey: string, options: { analysis?: AnalysisKind; fresh?: boolean } = {}): Promise<ResultsResponse> {
    const experiment = await this.experiments.get(idOrKey);
    const analysis = options.analysis ?? experiment.analysis;
    const cached = this.cache.get(this.cacheKey(experiment, analysis));
    if (
      !options.fresh &&
      cached &&
      cached.version === versionOf(experiment) &&
      this.clock.now().getTime() - cached.at < this.config.resultsCacheSeconds * 1000
    ) {
      return cached.result;
    }
    const result = await this.compute(experiment, analysis);
    this.remember(experiment, analysis, result);
    return result;
  }

  /** Computes the results now from one database snapshot (`manager`: inside a caller's transaction). */
  async compute(experiment: Experiment, analysis: AnalysisKind = experiment.analysis, manager?: EntityManager): Promise<ResultsResponse> {
    const started = process.hrtime.bigint();
    const { users, aggregates } = await resultsSnapshot(
      manager ?? this.db,
      experiment.id,
      experiment.metrics.map((m) => m.name),
      experiment.metrics.filter((m) => m.type === 'mean').map((m) => m.name),
    );
    const usersOf = new Map(users.map((u) => [u.variant, u.users]));
    const analysisResult = analyzeExperiment({
      analysis,
      confidenceLevel: experiment.confidenceLevel,
      correction: experiment.correction,
      minimumSampleSize: experiment.minimumSampleSize,
      controlVariant: experiment.controlVariant,
      variants: experiment.variants.map((v) => ({ name: v.name, weight: v.weight, users: usersOf.get(v.name) ?? 0 })),
      metrics: experiment.metrics.map((metric) => ({
        name: metric.name,
        type: metric.type,
        goal: metric.goal,
        role: metric.role,
        perVariant: Object.fromEntries(
          aggregates
            .filter((a) => a.eventName === metric.name)
            .map((a) => [a.variant, { conversions: a.conversions, sum: a.sum, sumSquares: a.sumSquares }]),
        ),
      })),
    });
    this.metrics.analysisDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    return {
      experimentId: experiment.id,
      key: experiment.key,
      status: experiment.status,
      computedAt: this.clock.now().toISOString(),
      ...analysisResult,
    };
  }

  /** Keeps a computed result for later reads on this replica. */
  remember(experiment: Experiment, analysis: AnalysisKind, result: ResultsResponse): void {
    const key = this.cacheKey(experiment, analysis);
    this.cache.delete(key);
    this.cache.set(key, { at: this.clock.now().getTime(), version: versionOf(experiment), result });
    if (this.cache.size > MAX_CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
  }

  private cacheKey(experiment: Experiment, analysis: AnalysisKind): string {
    return `${experiment.id}:${analysis}`;
  }

  /**
   * Cumulative results per day or hour for one metric (the primary by default), with the same users,
   * family and tests as /results. Points are capped in SQL (older buckets folded into the first).
   */
  async timeseries(
    idOrKey: string,
    options: { metric?: string; interval?: 'day' | 'hour'; analysis?: AnalysisKind },
  ): Promise<TimeseriesResponse> {
    const experiment = await this.experiments.get(idOrKey);
    const interval = options.interval ?? 'day';
    const analysis = options.analysis ?? experiment.analysis;
    const metric = options.metric
      ? experiment.metrics.find((m) => m.name === options.metric)
      : experiment.metrics.find((m) => m.role === 'primary');
    if (!metric) {
      throw InvalidInputError.fromProblems([
        { field: 'metric', problem: `must be one of the experiment's metrics (${experiment.metrics.map((m) => m.name).join(', ')})` },
      ]);
    }
    const metrics = timeseriesMetrics(experiment.metrics, metric.name, analysis, experiment.correction);
    const end = experiment.completedAt ?? this.clock.now();
    const window = timeseriesWindow(interval, end, maxPointsFor(metrics.length, experiment.variants.length));
    const rows = await timeseriesBuckets(
      this.db,
      experiment.id,
      window,
      metrics.filter((m) => m.type === 'conversion').map((m) => m.name),
      metrics.filter((m) => m.type === 'mean').map((m) => m.name),
    );
    const points = await buildPoints({ experiment, analysis, metrics, metric: metric.name, window, rows });
    return { metric: metric.name, interval, points };
  }

  sampleSize(query: SampleSizeQuery): { perVariant: number; total: number; inputs: Record<string, unknown> } {
    const variants = query.variants ?? 2;
    const correction = query.correction ?? 'holm';
    // Holm (and BH) reject whatever Bonferroni rejects: powering each of the m comparisons at α/m
    // gives the decision rule at least the stated power. Default m: each treatment against control.
    const comparisons = correction === 'none' ? 1 : (query.comparisons ?? variants - 1);
    const common = {
      minDetectableEffect: query.minDetectableEffect,
      relative: query.relative ?? false,
      confidenceLevel: query.confidenceLevel ?? 0.95,
      power: query.power ?? 0.8,
      variants,
      comparisons,
    };
    let result: SampleSizeResult | null;
    let inputs: Record<string, unknown>;
    if (query.baselineRate !== undefined) {
      if (query.stdDev !== undefined) {
        throw InvalidInputError.fromProblems([{ field: 'stdDev', problem: 'give baselineRate (conversion) or stdDev (mean), not both' }]);
      }
      inputs = { metricType: 'conversion', baselineRate: query.baselineRate, ...common };
      result = conversionSampleSize({ baselineRate: query.baselineRate, ...common });
    } else if (query.stdDev !== undefined) {
      inputs = { metricType: 'mean', baselineMean: query.baselineMean ?? null, stdDev: query.stdDev, ...common };
      result = meanSampleSize({ stdDev: query.stdDev, baselineMean: query.baselineMean, ...common });
    } else {
      throw InvalidInputError.fromProblems([
        { field: 'baselineRate', problem: 'is required for conversion metrics (or give stdDev, and baselineMean, for mean metrics)' },
      ]);
    }
    if (!result) {
      throw InvalidInputError.fromProblems([
        {
          field: 'minDetectableEffect',
          problem:
            'makes the sample size undefined: it must be non-zero, the target rate must stay inside (0, 1), stdDev must be > 0, and relative effects on means need a non-zero baselineMean',
        },
      ]);
    }
    return {
      perVariant: result.perVariant,
      total: result.total,
      inputs: {
        ...inputs,
        correction,
        alphaAdjustment: comparisons > 1 ? 'bonferroni' : 'none',
        alpha: 1 - common.confidenceLevel,
        adjustedAlpha: result.alpha,
        absoluteEffect: result.absoluteEffect,
      },
    };
  }
}

/** What makes a cached result stale at once: an edit or a transition of the experiment. */
function versionOf(experiment: Experiment): string {
  return `${experiment.updatedAt.toISOString()}:${experiment.status}`;
}
