import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { Clock } from '../common/clock';
import { isDatabaseUnavailable } from '../common/database-errors';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Write, WriteAndPublish } from '../database/write-and-publish';
import type { Experiment } from '../experiments/experiment.model';
import { ExperimentsService } from '../experiments/experiments.service';
import { MetricsService } from '../metrics/metrics.service';
import { ResultsResponse, ResultsService } from '../results/results.service';
import { alertConditions, alertTransition, guardrailAlertMessage, headlineOf, srmAlertMessage } from './analysis-rules';
import { claimDue, dueExperimentIds, enrolRunningExperiments, saveState } from './analysis.store';

/** Experiments taken per tick at most; the rest stay due and go first next tick. */
const MAX_PER_TICK = 500;

export interface AnalysisOutcome {
  experimentId: string;
  decision: ResultsResponse['decision'];
  raised: string[];
  resolved: string[];
  published: boolean;
}

export interface AnalysisTickSummary {
  /** Running experiments that looked due when the tick began. */
  due: number;
  /** Those this replica claimed and analysed (others were taken by another replica). */
  outcomes: AnalysisOutcome[];
  failed: number;
}

interface Analysed {
  outcome: AnalysisOutcome;
  experiment: Experiment;
  result: ResultsResponse;
}

/**
 * The scheduled analysis (docs/decisions/007). Every ANALYSIS_TICK_SECONDS, on every replica, each
 * running experiment that is due is claimed with FOR NO KEY UPDATE SKIP LOCKED on its own state row
 * (never on `experiments`), so it is analysed once per period however many replicas tick. In that
 * transaction: compute the results, raise SRM / guardrail alerts when their condition starts and
 * resolve them when it clears, record the state, publish a change when the headline moved. After
 * commit the result refreshes this replica's results cache. `GET …/results` does none of this.
 */
@Injectable()
export class AnalysisJobService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AnalysisJobService.name);
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<AnalysisTickSummary> | null = null;
  private stopped = false;
  private readonly lastRun: Gauge;
  private readonly lastDuration: Gauge;
  private readonly analysed: Counter<'outcome'>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly experiments: ExperimentsService,
    private readonly results: ResultsService,
    private readonly alerts: AlertsService,
    private readonly writes: WriteAndPublish,
    private readonly metrics: MetricsService,
  ) {
    const registers = [metrics.registry];
    this.lastRun = new Gauge({
      name: 'experimentation_analysis_job_last_run_timestamp_seconds',
      help: 'When the scheduled analysis last finished a tick (Unix time, by the service clock)',
      registers,
    });
    this.lastDuration = new Gauge({
      name: 'experimentation_analysis_job_last_duration_seconds',
      help: 'How long the last tick of the scheduled analysis took',
      registers,
    });
    this.analysed = new Counter({
      name: 'experimentation_analysis_job_experiments_total',
      help: 'Experiments analysed by this replica, by outcome (analysed | failed)',
      labelNames: ['outcome'] as const,
      registers,
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.onInterval(), this.config.analysisTickSeconds * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.current?.catch(() => undefined);
  }

  /** One pass over the due experiments. Calls never overlap in one process (a second waits for the first). */
  async tick(): Promise<AnalysisTickSummary> {
    while (this.current) await this.current.catch(() => undefined);
    const run = this.runTick();
    this.current = run;
    try {
      return await run;
    } finally {
      if (this.current === run) this.current = null;
    }
  }

  private onInterval(): void {
    if (this.current || this.stopped) return;
    this.tick().catch((error: Error) => this.logger.warn(`analysis tick failed, retrying next tick: ${error.message}`));
  }

  private async runTick(): Promise<AnalysisTickSummary> {
    const started = process.hrtime.bigint();
    const now = this.clock.now();
    await enrolRunningExperiments(this.dataSource.manager, now);
    const ids = await dueExperimentIds(this.dataSource.manager, now, MAX_PER_TICK);
    const summary: AnalysisTickSummary = { due: ids.length, outcomes: [], failed: 0 };
    for (const [i, id] of ids.entries()) {
      if (this.stopped) break;
      try {
        const analysed = await this.writes.run((write) => this.analyseOne(write, id, now));
        if (!analysed) continue;
        summary.outcomes.push(analysed.outcome);
        this.afterCommit(analysed);
      } catch (error) {
        summary.failed++;
        this.analysed.inc({ outcome: 'failed' });
        if (isDatabaseUnavailable(error)) {
          this.logger.warn(`analysis tick stopped, database unavailable (${(error as Error).message}); next tick retries`);
          summary.failed += ids.length - i - 1;
          break;
        }
        this.logger.error({ err: error }, `experiment ${id}: analysis failed, it is retried next tick`);
      }
    }
    this.lastRun.set(this.clock.now().getTime() / 1000);
    this.lastDuration.set(Number(process.hrtime.bigint() - started) / 1e9);
    return summary;
  }

  /** One experiment, one transaction: claim, compute, alert, record, publish. Null when not ours to do. */
  private async analyseOne(write: Write, id: string, now: Date): Promise<Analysed | null> {
    const manager = write.tx;
    const state = await claimDue(manager, id, now);
    if (!state) return null;
    const experiment = await this.experiments.get(id);
    if (experiment.status !== 'running') return null;
    const result = await this.results.compute(experiment, experiment.analysis, manager);
    const conditions = alertConditions(result);
    const subject = { subjectType: 'experiment' as const, subjectId: experiment.id };
    const raised: string[] = [];
    const resolved: string[] = [];

    const srm = alertTransition(state.srmFailing, conditions.srm);
    if (srm === 'raise') {
      await this.alerts.raise({ kind: 'srm', severity: 'critical', ...subject, message: srmAlertMessage(experiment.key, result) }, write);
      raised.push('srm');
    } else if (srm === 'resolve') {
      if ((await this.alerts.resolveOpen({ kind: 'srm', ...subject }, now, write)) > 0) resolved.push('srm');
    }
    const guardrail = alertTransition(state.guardrailFailing, conditions.guardrail);
    if (guardrail === 'raise') {
      await this.alerts.raise(
        { kind: 'guardrail_failure', severity: 'warning', ...subject, message: guardrailAlertMessage(experiment.key, result) },
        write,
      );
      raised.push('guardrail_failure');
    } else if (guardrail === 'resolve') {
      if ((await this.alerts.resolveOpen({ kind: 'guardrail_failure', ...subject }, now, write)) > 0) resolved.push('guardrail_failure');
    }

    const headline = headlineOf(result);
    const published = headline !== state.headline;
    if (published) write.publish({ entity: 'experiment', id: experiment.id });
    await saveState(manager, {
      ...state,
      nextDueAt: new Date(now.getTime() + this.config.analysisTickSeconds * 1000),
      lastRunAt: now,
      srmFailing: conditions.srm,
      guardrailFailing: conditions.guardrail,
      headline,
    });
    return { outcome: { experimentId: experiment.id, decision: result.decision, raised, resolved, published }, experiment, result };
  }

  private afterCommit({ experiment, result, outcome }: Analysed): void {
    this.results.remember(experiment, experiment.analysis, result);
    this.analysed.inc({ outcome: 'analysed' });
    if (result.isSignificant) this.metrics.significantResults.inc({ experiment: experiment.key });
    for (const kind of outcome.raised) this.logger.warn(`experiment ${experiment.key}: ${kind} alert raised by the scheduled analysis`);
    for (const kind of outcome.resolved) this.logger.log(`experiment ${experiment.key}: ${kind} alert resolved, the condition cleared`);
  }
}
