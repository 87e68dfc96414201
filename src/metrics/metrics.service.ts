import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { EventLoopBusyMonitor } from './event-loop-busy';

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The Prometheus series of shared/api.md §8, in one place. Feature services call the `record…`
 * methods as things happen; `GET /metrics` renders the registry. Labels are experiment keys,
 * variant names, event names (all bounded by the experiment definitions), rollout names and
 * model versions, never user ids or raw URLs.
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();

  readonly experimentsTotal = new Gauge({
    name: 'experimentation_experiments_total',
    help: 'Experiments by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly experimentsActive = new Gauge({
    name: 'experimentation_experiments_active',
    help: 'Experiments currently running',
    registers: [this.registry],
  });

  readonly assignments = new Counter({
    name: 'experimentation_variant_assignments_total',
    help: 'Assign answers that served a variant (assigned or sticky)',
    labelNames: ['experiment', 'variant'] as const,
    registers: [this.registry],
  });

  readonly events = new Counter({
    name: 'experimentation_events_total',
    help: 'Events stored (duplicates excluded)',
    labelNames: ['experiment', 'variant', 'event_name'] as const,
    registers: [this.registry],
  });

  readonly significantResults = new Counter({
    name: 'experimentation_significant_results_total',
    help: 'Result computations in which a primary comparison was significant',
    labelNames: ['experiment'] as const,
    registers: [this.registry],
  });

  readonly analysisDuration = new Histogram({
    name: 'experimentation_analysis_duration_seconds',
    help: 'Time to compute experiment results',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly rolloutPercentage = new Gauge({
    name: 'experimentation_rollout_percentage',
    help: 'Current percentage of each rollout',
    labelNames: ['rollout', 'model_version'] as const,
    registers: [this.registry],
  });

  readonly rollbacks = new Counter({
    name: 'experimentation_rollout_rollbacks_total',
    help: 'Rollouts rolled back (automatic or manual)',
    labelNames: ['trigger'] as const,
    registers: [this.registry],
  });

  /** Not in §8: users enrolled per variant of running/paused experiments (sample size progress). */
  readonly experimentUsers = new Gauge({
    name: 'experimentation_experiment_users',
    help: 'Users assigned per variant of running and paused experiments (refreshed from the database on scrape)',
    labelNames: ['experiment', 'variant'] as const,
    registers: [this.registry],
  });

  /** Not in §8: the per-variant sample size each running/paused experiment needs before a winner. */
  readonly experimentMinimumSampleSize = new Gauge({
    name: 'experimentation_experiment_minimum_sample_size',
    help: 'minimumSampleSize (users per variant) of running and paused experiments',
    labelNames: ['experiment'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'experimentation_http_request_duration_seconds',
    help: 'HTTP request duration by route template',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly eventLoop = new EventLoopBusyMonitor();
  private eventLoopFigures: { busyMs: number; delayMs: number } | null = null;

  /** Read together at each scrape (the monitor resets on read): the longest own-CPU stretch and wall gap between two loop turns. */
  readonly eventLoopBusyMax = new Gauge({
    name: 'experimentation_event_loop_busy_max_seconds',
    help: 'Longest CPU time the process spent between two event-loop turns since the previous scrape (its own blocking work, not host load)',
    registers: [this.registry],
    collect: () => {
      this.eventLoopFigures = this.eventLoop.take();
      this.eventLoopBusyMax.set(this.eventLoopFigures.busyMs / 1000);
    },
  });

  readonly eventLoopGapMax = new Gauge({
    name: 'experimentation_event_loop_gap_max_seconds',
    help: 'Longest wall-clock gap between two event-loop turns since the previous scrape (includes time the host did not schedule the process)',
    registers: [this.registry],
    collect: () => {
      this.eventLoopGapMax.set((this.eventLoopFigures ?? this.eventLoop.take()).delayMs / 1000);
      this.eventLoopFigures = null;
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.eventLoop.start();
  }

  onModuleDestroy(): void {
    this.eventLoop.stop();
  }

  /**
   * One finished HTTP request. `routeTemplate` is Fastify's route pattern (`/api/v1/experiments/:idOrKey`),
   * never the raw URL, so ids and user ids cannot explode the label set; requests that matched no
   * route share the single label "unmatched".
   */
  observeHttpRequest(method: string, routeTemplate: string | undefined, statusCode: number, seconds: number): void {
    this.httpDuration.observe(
      {
        method: HTTP_METHODS.has(method) ? method : 'OTHER',
        route: routeTemplate ?? 'unmatched',
        status_code: String(statusCode),
      },
      seconds,
    );
  }

  recordAssignment(experimentKey: string, variant: string, count = 1): void {
    this.assignments.inc({ experiment: experimentKey, variant }, count);
  }

  recordEvents(experimentKey: string, variant: string, eventName: string, count = 1): void {
    this.events.inc({ experiment: experimentKey, variant, event_name: eventName }, count);
  }

  recordAnalysis(experimentKey: string, seconds: number, significant: boolean): void {
    this.analysisDuration.observe(seconds);
    if (significant) this.significantResults.inc({ experiment: experimentKey });
  }

  setRolloutPercentage(rolloutName: string, modelVersion: string, percentage: number): void {
    this.rolloutPercentage.set({ rollout: rolloutName, model_version: modelVersion }, percentage);
  }

  recordRollback(trigger: 'automatic' | 'manual'): void {
    this.rollbacks.inc({ trigger });
  }
}
