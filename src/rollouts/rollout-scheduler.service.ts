import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { isDatabaseUnavailable } from '../common/database-errors';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ChangeFeedService } from '../database/change-feed.service';
import { MetricsService } from '../metrics/metrics.service';
import { decideRolloutStep, describeFailedChecks, StepAction, StepDecision } from './rollout-decision';
import { dueRolloutIds, heldThisStage, lockDueRollout, recordHistory, WindowHealth, windowHealth } from './rollout-queries';
import { RolloutWebhookService } from './rollout-webhook.service';
import { RolloutEntity } from './rollout.entity';
import type { LastHealth } from './rollout.model';

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
  lastHealth: LastHealth | null;
  changed: boolean;
}

function toLastHealth(step: StepDecision, window: WindowHealth, rollout: RolloutEntity, now: Date): LastHealth | null {
  if (!step.health || !rollout.stageStartedAt) return null;
  return {
    ...step.health,
    reports: window.reports,
    observations: window.observations,
    stage: rollout.currentStage,
    percentage: rollout.percentage,
    windowStart: rollout.stageStartedAt.toISOString(),
    evaluatedAt: now.toISOString(),
  };
}

/**
 * Moves rollouts along their schedule (contract §6). Every replica ticks; correctness comes from the
 * database: each rollout is handled in its own transaction under `FOR UPDATE SKIP LOCKED`, its status
 * re-read after the lock, so a stage is advanced once however many replicas tick, and a crash
 * mid-tick leaves the rollout as it was. Side effects outside the database (webhook, metrics) run
 * after the commit.
 */
@Injectable()
export class RolloutSchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RolloutSchedulerService.name);
  private current: Promise<TickSummary> | null = null;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly changes: ChangeFeedService,
    private readonly alerts: AlertsService,
    private readonly metrics: MetricsService,
    private readonly webhooks: RolloutWebhookService,
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
   * One pass over every due rollout. Calls never overlap in one process: a call made during a tick
   * waits for it and then runs its own pass (the interval instead skips while a tick runs).
   */
  async tick(now?: Date): Promise<TickSummary> {
    while (this.current) await this.current.catch(() => undefined);
    const run = this.runTick(now ?? new Date());
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
    const ids = await dueRolloutIds(this.dataSource.manager, now);
    const summary: TickSummary = { due: ids.length, outcomes: [], failed: 0 };
    for (const id of ids) {
      if (this.stopped) break;
      try {
        const applied = await this.processOne(id, now);
        if (applied) {
          summary.outcomes.push(applied.outcome);
          this.afterCommit(applied);
        }
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
    return this.dataSource.transaction(async (manager) => {
      const rollout = await lockDueRollout(manager, id);
      if (!rollout) return null;
      const window =
        rollout.status === 'running' && rollout.stageStartedAt ? await windowHealth(manager, rollout.id, rollout.stageStartedAt) : null;
      const step = decideRolloutStep(rollout, window, now);
      const lastHealth = window ? toLastHealth(step, window, rollout, now) : null;
      const fromPercentage = rollout.percentage;
      const previousVerdict = rollout.lastHealth?.verdict ?? null;
      const changed = await this.apply(manager, rollout, step, lastHealth, now);
      const visible = changed || (lastHealth !== null && lastHealth.verdict !== previousVerdict);
      if (visible) await this.changes.publish({ entity: 'rollout', id: rollout.id }, manager);
      return {
        outcome: { rolloutId: rollout.id, action: step.action, reason: step.reason },
        rollout,
        fromPercentage,
        step,
        lastHealth,
        changed: visible,
      };
    });
  }

  /** Writes what `step` decided; returns whether status, percentage or stage changed. */
  private async apply(
    manager: EntityManager,
    rollout: RolloutEntity,
    step: StepDecision,
    lastHealth: LastHealth | null,
    now: Date,
  ): Promise<boolean> {
    const from = rollout.percentage;
    const health = lastHealth ?? undefined;
    switch (step.action) {
      case 'start': {
        const target = step.target ?? { stage: 0, percentage: rollout.stages[0].percentage };
        Object.assign(rollout, {
          status: 'running',
          currentStage: target.stage,
          percentage: target.percentage,
          stageStartedAt: now,
          startedAt: now,
          updatedAt: now,
        });
        await manager.save(rollout);
        await recordHistory(manager, rollout.id, {
          action: 'started',
          fromPercentage: from,
          toPercentage: target.percentage,
          stage: target.stage,
          reason: step.reason,
          actor: 'scheduler',
        });
        return true;
      }
      case 'advance': {
        const target = step.target!;
        Object.assign(rollout, {
          currentStage: target.stage,
          percentage: target.percentage,
          stageStartedAt: now,
          lastHealth,
          updatedAt: now,
        });
        await manager.save(rollout);
        await recordHistory(manager, rollout.id, {
          action: 'advanced',
          fromPercentage: from,
          toPercentage: target.percentage,
          stage: target.stage,
          reason: step.reason,
          health,
          actor: 'scheduler',
        });
        return true;
      }
      case 'complete': {
        Object.assign(rollout, {
          status: 'completed',
          percentage: 100,
          currentStage: rollout.stages.length - 1,
          completedAt: now,
          lastHealth,
          updatedAt: now,
        });
        await manager.save(rollout);
        await recordHistory(manager, rollout.id, {
          action: 'completed',
          fromPercentage: from,
          toPercentage: 100,
          stage: rollout.currentStage,
          reason: step.reason,
          health,
          actor: 'scheduler',
        });
        return true;
      }
      case 'rollback': {
        const stage = rollout.currentStage;
        await recordHistory(manager, rollout.id, {
          action: 'health_failed',
          fromPercentage: from,
          toPercentage: from,
          stage,
          reason: step.reason,
          health,
          actor: 'scheduler',
        });
        Object.assign(rollout, {
          status: 'rolled_back',
          percentage: 0,
          rollbackReason: `automatic rollback: ${step.reason}`,
          lastHealth,
          updatedAt: now,
        });
        await manager.save(rollout);
        await recordHistory(manager, rollout.id, {
          action: 'rolled_back',
          fromPercentage: from,
          toPercentage: 0,
          stage,
          reason: rollout.rollbackReason,
          health,
          actor: 'scheduler',
        });
        await this.alerts.raise(
          {
            kind: 'rollout_rollback',
            severity: 'critical',
            subjectType: 'rollout',
            subjectId: rollout.id,
            message: `Rollout ${rollout.name} (${rollout.modelVersion}) was rolled back automatically from ${from} % to 0 %: ${describeFailedChecks(step.failedChecks)}`,
          },
          manager,
        );
        return true;
      }
      case 'hold': {
        if (rollout.stageStartedAt && !(await heldThisStage(manager, rollout.id, rollout.currentStage, rollout.stageStartedAt))) {
          await recordHistory(manager, rollout.id, {
            action: 'held',
            fromPercentage: from,
            toPercentage: from,
            stage: rollout.currentStage,
            reason: step.reason,
            health,
            actor: 'scheduler',
          });
        }
        await this.saveHealth(manager, rollout, lastHealth);
        return false;
      }
      case 'none':
        await this.saveHealth(manager, rollout, lastHealth);
        return false;
    }
  }

  /** Health alone is not a change of the rollout: updatedAt stays. */
  private async saveHealth(manager: EntityManager, rollout: RolloutEntity, lastHealth: LastHealth | null): Promise<void> {
    if (lastHealth === null) return;
    rollout.lastHealth = lastHealth;
    await manager.query(`UPDATE rollouts SET last_health = $2 WHERE id = $1`, [rollout.id, JSON.stringify(lastHealth)]);
  }

  private afterCommit(applied: Applied): void {
    const { rollout, step, fromPercentage } = applied;
    if (applied.changed) this.changes.notifyLocally({ entity: 'rollout', id: rollout.id });
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
    this.webhooks.send(rollout.webhookUrl, {
      event: 'rollout.rolled_back',
      trigger: 'automatic',
      at: rollout.updatedAt.toISOString(),
      rollout: {
        id: rollout.id,
        name: rollout.name,
        modelVersion: rollout.modelVersion,
        baselineVersion: rollout.baselineVersion,
        status: rollout.status,
        percentage: rollout.percentage,
      },
      fromPercentage,
      toPercentage: 0,
      stage: rollout.currentStage,
      reason: rollout.rollbackReason ?? step.reason,
      failedChecks: step.failedChecks,
      health: applied.lastHealth,
    });
  }
}
