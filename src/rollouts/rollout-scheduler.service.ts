import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AlertsService } from '../alerts/alerts.service';
import { Clock } from '../common/clock';
import { isDatabaseUnavailable } from '../common/database-errors';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { WriteAndPublish } from '../database/write-and-publish';
import { MetricsService } from '../metrics/metrics.service';
import { applyCommand } from './rollout-command-decision';
import { decideRolloutStep, describeFailedChecks, StepAction, StepDecision } from './rollout-decision';
import { RolloutNotifications } from './rollout-notifications';
import { RolloutEntity } from './rollout.entity';
import { RolloutStore } from './rollout.store';

export const ROLLOUT_TICK_INTERVAL = 'rollout-scheduler-tick';

export interface TickOutcome {
  rolloutId: string;
  action: StepAction;
  reason: string;
}

export interface TickSummary {
  /** Rollouts that looked due when the tick began. */
  due: number;
  /** What was decided for each rollout this replica locked; rollouts locked elsewhere are not listed. */
  outcomes: TickOutcome[];
  /** Rollouts left for the next tick because of an error. */
  failed: number;
}

interface Applied {
  outcome: TickOutcome;
  rollout: RolloutEntity;
  fromPercentage: number;
  step: StepDecision;
  /** Whether another replica's cache or the stream must hear of it: a change, or a new health verdict. */
  visible: boolean;
}

/**
 * Moves rollouts along their schedule (contract §6). Every replica ticks; correctness comes from the
 * database: each rollout is handled in its own transaction under `FOR NO KEY UPDATE SKIP LOCKED`, its
 * status re-read after the lock, so a stage is advanced once however many replicas tick, and a crash
 * mid-tick leaves the rollout as it was. What to do comes from the pure decideRolloutStep and
 * applyCommand; time comes from the Clock. Webhooks go into the outbox in the same transaction; metrics and logs run
 * after the commit.
 */
@Injectable()
export class RolloutSchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RolloutSchedulerService.name);
  private current: Promise<TickSummary> | null = null;
  private stopped = false;

  constructor(
    private readonly store: RolloutStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly writes: WriteAndPublish,
    private readonly alerts: AlertsService,
    private readonly metrics: MetricsService,
    private readonly notifications: RolloutNotifications,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => this.onInterval(), this.config.rolloutTickSeconds * 1000);
    timer.unref();
    this.registry.addInterval(ROLLOUT_TICK_INTERVAL, timer);
  }

  /** Stops ticking and waits for a tick in progress, so the pool is not closed under it. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.registry.doesExist('interval', ROLLOUT_TICK_INTERVAL)) this.registry.deleteInterval(ROLLOUT_TICK_INTERVAL);
    await this.current?.catch(() => undefined);
  }

  /**
   * One pass over every due rollout at the Clock's time. Calls never overlap in one process: a call
   * made during a tick waits for it and then runs its own pass (the interval instead skips while a
   * tick runs).
   */
  async tick(): Promise<TickSummary> {
    while (this.current) await this.current.catch(() => undefined);
    const run = this.runTick(this.clock.now());
    this.current = run;
    try {
      return await run;
    } finally {
      if (this.current === run) this.current = null;
    }
  }

  private onInterval(): void {
    if (this.current || this.stopped) return;
    this.tick().catch((error: Error) => this.logger.warn(`rollout tick failed, retrying next tick: ${error.message}`));
  }

  private async runTick(now: Date): Promise<TickSummary> {
    const ids = await this.store.dueIds(now);
    const summary: TickSummary = { due: ids.length, outcomes: [], failed: 0 };
    for (const id of ids) {
      if (this.stopped) break;
      try {
        const applied = await this.processOne(id, now);
        if (applied) summary.outcomes.push(applied.outcome);
      } catch (error) {
        summary.failed++;
        if (isDatabaseUnavailable(error)) {
          this.logger.warn(`rollout tick stopped, database unavailable (${(error as Error).message}); next tick retries`);
          summary.failed += ids.length - ids.indexOf(id) - 1;
          break;
        }
        this.logger.error({ err: error }, `rollout ${id}: tick failed, it is retried next tick`);
      }
    }
    return summary;
  }

  /** One rollout, one transaction: lock, measure, decide, apply. Null when another replica holds it or it is no longer due. */
  private async processOne(id: string, now: Date): Promise<Applied | null> {
    return this.writes.run(async (write) => {
      const { tx } = write;
      const rollout = await this.store.lockDue(tx, id);
      if (!rollout) return null;
      const window =
        rollout.status === 'running' && rollout.stageStartedAt
          ? await this.store.windowHealth(tx, rollout.id, rollout.stageStartedAt)
          : null;
      const step = decideRolloutStep(rollout, window, now);
      const heldThisStage =
        step.action === 'hold' && rollout.stageStartedAt !== null
          ? await this.store.heldThisStage(tx, rollout.id, rollout.currentStage, rollout.stageStartedAt)
          : false;
      const { patch, history } = applyCommand(rollout, { kind: 'step', step, window, heldThisStage }, now);
      const fromPercentage = rollout.percentage;
      const previousVerdict = rollout.lastHealth?.verdict ?? null;
      await this.store.update(tx, rollout.id, patch);
      await this.store.appendHistory(tx, rollout.id, history);
      Object.assign(rollout, patch);
      await this.notifications.enqueue(tx, rollout, history);
      if (step.action === 'rollback') {
        await this.alerts.raise(
          {
            kind: 'rollout_rollback',
            severity: 'critical',
            subjectType: 'rollout',
            subjectId: rollout.id,
            message: `Rollout ${rollout.name} (${rollout.modelVersion}) was rolled back automatically from ${fromPercentage} % to 0 %: ${describeFailedChecks(step.failedChecks)}`,
          },
          write,
        );
      }
      const visible = patch.updatedAt !== undefined || (patch.lastHealth !== undefined && patch.lastHealth?.verdict !== previousVerdict);
      if (visible) write.publish({ entity: 'rollout', id: rollout.id });
      const applied: Applied = {
        outcome: { rolloutId: rollout.id, action: step.action, reason: step.reason },
        rollout,
        fromPercentage,
        step,
        visible,
      };
      write.afterCommit(() => this.afterCommit(applied));
      return applied;
    });
  }

  private afterCommit(applied: Applied): void {
    const { rollout, step, fromPercentage } = applied;
    if (step.action === 'start' || step.action === 'advance' || step.action === 'complete' || step.action === 'rollback') {
      this.metrics.setRolloutPercentage(rollout.name, rollout.modelVersion, rollout.percentage);
      this.logger.log(
        `rollout ${rollout.name} (${rollout.modelVersion}): ${step.action} ${fromPercentage} % → ${rollout.percentage} %: ${step.reason}`,
      );
    }
    if (step.action !== 'rollback') return;
    this.metrics.recordRollback('automatic');
    this.logger.warn(
      `rollout ${rollout.name} (${rollout.modelVersion}) ROLLED BACK automatically from ${fromPercentage} % to 0 %: ${step.reason}`,
    );
  }
}
