import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { InvalidInputError } from '../common/errors';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { AnalysisKind, Experiment } from '../experiments/experiment.model';
import { ExperimentsService } from '../experiments/experiments.service';
import { MetricsService } from '../metrics/metrics.service';
import { AnalysisResult, analyzeExperiment, analyzeTimeseriesPoint, TimeseriesPoint } from '../stats';
import { conversionSampleSize, meanSampleSize, SampleSizeResult } from '../stats/sample-size';
import type { SampleSizeQuery } from './dto/sample-size.query';
import { assignmentsPerBucket, metricAggregates, metricPerBucket, usersPerVariant } from './results.queries';

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

// A long experiment by the hour stays readable; older points are dropped from the front.
const MAX_POINTS = 2000;

@Injectable()
export class ResultsService {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly experiments: ExperimentsService,
    private readonly metrics: MetricsService,
    private readonly alerts: AlertsService,
  ) {}

  /**
   * Results of one experiment. Reused for RESULTS_CACHE_SECONDS unless `fresh`; an edit of the
   * experiment (its updatedAt) makes the cached copy stale at once.
   */
  async results(idOrKey: string, options: { analysis?: AnalysisKind; fresh?: boolean } = {}): Promise<ResultsResponse> {
    const experiment = await this.experiments.get(idOrKey);
    const analysis = options.analysis ?? experiment.analysis;
    const cacheKey = `${experiment.id}:${analysis}`;
    const version = `${experiment.updatedAt.toISOString()}:${experiment.status}`;
    const cached = this.cache.get(cacheKey);
    if (!options.fresh && cached && cached.version === version && Date.now() - cached.at < this.config.resultsCacheSeconds * 1000) {
      return cached.result;
    }

    const started = process.hrtime.bigint();
    const [users, aggregates] = await Promise.all([
      usersPerVariant(this.db, experiment.id),
      metricAggregates(
        this.db,
        experiment.id,
        experiment.metrics.map((m) => m.name),
      ),
    ]);
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
    const result: ResultsResponse = {
      experimentId: experiment.id,
      key: experiment.key,
      status: experiment.status,
      computedAt: new Date().toISOString(),
      ...analysisResult,
    };
    this.metrics.recordAnalysis(experiment.key, Number(process.hrtime.bigint() - started) / 1e9, result.isSignificant);
    this.cache.set(cacheKey, { at: Date.now(), version, result });
    await this.raiseAlerts(experiment, result);
    return result;
  }

  /** SRM and guardrail failures become alerts (deduplicated: one unresolved alert per kind and experiment). */
  private async raiseAlerts(experiment: Experiment, result: ResultsResponse): Promise<void> {
    if (experiment.status !== 'running' && experiment.status !== 'paused') return;
    const subject = { subjectType: 'experiment' as const, subjectId: experiment.id };
    if (result.srm.mismatch) {
      await this.alerts.raise({ kind: 'srm', severity: 'critical', ...subject, message: `${experiment.key}: ${result.recommendation}` });
    }
    if (result.decision === 'guardrail_failure') {
      await this.alerts.raise({
        kind: 'guardrail_failure',
        severity: 'warning',
        ...subject,
        message: `${experiment.key}: ${result.recommendation}`,
      });
    }
  }

  /** Cumulative results per day or hour for one metric (the primary by default). */
  async timeseries(
    idOrKey: string,
    options: { metric?: string; interval?: 'day' | 'hour'; analysis?: AnalysisKind },
  ): Promise<TimeseriesResponse> {
    const experiment = await this.experiments.get(idOrKey);
    const interval = options.interval ?? 'day';
    const metric = options.metric
      ? experiment.metrics.find((m) => m.name === options.metric)
      : experiment.metrics.find((m) => m.role === 'primary');
    if (!metric) {
      throw InvalidInputError.fromProblems([
        { field: 'metric', problem: `must be one of the experiment's metrics (${experiment.metrics.map((m) => m.name).join(', ')})` },
      ]);
    }
    const [assigned, perBucket] = await Promise.all([
      assignmentsPerBucket(this.db, experiment.id, interval),
      metricPerBucket(this.db, experiment.id, metric.name, interval),
    ]);
    const buckets = [...new Set([...assigned, ...perBucket].map((row) => row.bucket.getTime()))].sort((a, b) => a - b);
    const users = new Map<string, number>(experiment.variants.map((v) => [v.name, 0]));
    const stats = new Map(experiment.variants.map((v) => [v.name, { conversions: 0, sum: 0, sumSquares: 0 }]));
    const points: TimeseriesResponse['points'] = [];
    for (const bucket of buckets) {
      for (const row of assigned) {
        if (row.bucket.getTime() === bucket && users.has(row.variant)) users.set(row.variant, users.get(row.variant)! + row.users);
      }
      for (const row of perBucket) {
        const s = stats.get(row.variant);
        if (row.bucket.getTime() !== bucket || !s) continue;
        s.conversions += row.newConverters;
        s.sum += row.sum;
        s.sumSquares += row.sumSquaresDelta;
      }
      const point = analyzeTimeseriesPoint({
        analysis: options.analysis ?? experiment.analysis,
        confidenceLevel: experiment.confidenceLevel,
        correction: experiment.correction,
        controlVariant: experiment.controlVariant,
        variants: experiment.variants.map((v) => ({ name: v.name, users: users.get(v.name) ?? 0 })),
        metric: { type: metric.type, goal: metric.goal, perVariant: Object.fromEntries([...stats].map(([k, v]) => [k, { ...v }])) },
      });
      points.push({ at: new Date(bucket).toISOString(), ...point });
    }
    return { metric: metric.name, interval, points: points.slice(-MAX_POINTS) };
  }

  sampleSize(query: SampleSizeQuery): { perVariant: number; total: number; inputs: Record<string, unknown> } {
    const common = {
      minDetectableEffect: query.minDetectableEffect,
      relative: query.relative ?? false,
      confidenceLevel: query.confidenceLevel ?? 0.95,
      power: query.power ?? 0.8,
      variants: query.variants ?? 2,
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
    return { perVariant: result.perVariant, total: result.total, inputs: { ...inputs, absoluteEffect: result.absoluteEffect } };
  }
}
