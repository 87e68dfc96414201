import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Actor } from '../common/auth/access.decorator';
import { Clock } from '../common/clock';
import { postgresErrorCode } from '../common/database-errors';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/errors';
import { Page } from '../common/pagination';
import { Write, WriteAndPublish } from '../database/write-and-publish';
import { MetricsService } from '../metrics/metrics.service';
import { WebhookTargetGuard } from '../webhooks/webhook-target';
import type { CreateRolloutDto } from './dto/create-rollout.dto';
import type { ListRolloutsQuery, SetPercentageDto, StartRolloutDto } from './dto/rollout-actions.dto';
import type { UpdateRolloutDto } from './dto/update-rollout.dto';
import { applyCommand, assertAllowed, newRollout, RolloutCommand } from './rollout-command-decision';
import { RolloutHistoryEntity } from './rollout-history.entity';
import { newDefinition, percentageProblems } from './rollout-rules';
import { RolloutNotifications } from './rollout-notifications';
import { RolloutEntity } from './rollout.entity';
import { RolloutStore } from './rollout.store';

/**
 * The admin side of rollouts: create, read, PATCH, delete and the lifecycle commands. Each command
 * runs in one transaction under the rollout's row lock (waiting for a scheduler tick that holds it):
 * `applyCommand` says what changes, the store writes it with its history, the change feed tells
 * every replica on commit.
 */
@Injectable()
export class RolloutsService {
  private readonly logger = new Logger(RolloutsService.name);

  constructor(
    private readonly store: RolloutStore,
    private readonly writes: WriteAndPublish,
    private readonly metrics: MetricsService,
    private readonly notifications: RolloutNotifications,
    private readonly targets: WebhookTargetGuard,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateRolloutDto, actor: Actor): Promise<RolloutEntity> {
    const definition = newDefinition(dto);
    await this.assertTargetAllowed(definition.webhookUrl);
    try {
      return await this.writes.run(async ({ tx, publish }) => {
        await this.assertVersionFree(tx, definition.modelVersion, null);
        const { record, history } = newRollout(definition, actor, this.clock.now());
        const created = await this.store.insert(tx, record);
        await this.store.appendHistory(tx, created.id, history);
        publish({ entity: 'rollout', id: created.id });
        return created;
      });
    } catch (error) {
      throw uniqueConflict(error, definition.name, definition.modelVersion) ?? error;
    }
  }

  async list(query: ListRolloutsQuery): Promise<Page<RolloutEntity>> {
    return this.store.page(query);
  }

  async get(id: string): Promise<RolloutEntity> {
    const rollout = await this.store.find(id);
    if (!rollout) throw NotFoundError.rollout(id);
    return rollout;
  }

  async history(id: string): Promise<RolloutHistoryEntity[]> {
    return this.store.historyOf((await this.get(id)).id);
  }

  async update(id: string, dto: UpdateRolloutDto, actor: Actor): Promise<RolloutEntity> {
    await this.assertTargetAllowed(dto.webhookUrl);
    return (await this.command(id, { kind: 'update', actor, changes: dto })).rollout;
  }

  async remove(id: string): Promise<void> {
    const removed = await this.locked(id, async ({ tx }, rollout) => {
      assertAllowed(rollout, 'delete');
      await this.store.delete(tx, rollout.id);
      return rollout;
    });
    this.metrics.rolloutPercentage.remove({ rollout: removed.name, model_version: removed.modelVersion });
  }

  async start(id: string, dto: StartRolloutDto, actor: Actor): Promise<RolloutEntity> {
    const startTime = dto.startTime !== undefined ? new Date(dto.startTime) : undefined;
    return (await this.command(id, { kind: 'start', actor, startTime, reason: dto.reason })).rollout;
  }

  async setPercentage(id: string, dto: SetPercentageDto, actor: Actor): Promise<RolloutEntity> {
    const problems = percentageProblems(dto.percentage);
    if (problems.length > 0) throw InvalidInputError.fromProblems(problems);
    return (await this.command(id, { kind: 'percentage', actor, percentage: dto.percentage, reason: dto.reason })).rollout;
  }

  async pause(id: string, reason: string | undefined, actor: Actor): Promise<RolloutEntity> {
    return (await this.command(id, { kind: 'pause', actor, reason })).rollout;
  }

  async resume(id: string, reason: string | undefined, actor: Actor): Promise<RolloutEntity> {
    return (await this.command(id, { kind: 'resume', actor, reason })).rollout;
  }

  async promote(id: string, reason: string | undefined, actor: Actor): Promise<RolloutEntity> {
    return (await this.command(id, { kind: 'promote', actor, reason })).rollout;
  }

  async rollback(id: string, reason: string | undefined, actor: Actor): Promise<RolloutEntity> {
    const { rollout: rolledBack, from } = await this.command(id, { kind: 'rollback', actor, reason });
    this.metrics.recordRollback('manual');
    this.logger.warn(
      `rollout ${rolledBack.name} (${rolledBack.modelVersion}) rolled back manually from ${from} %: ${rolledBack.rollbackReason}`,
    );
    return rolledBack;
  }

  /** Applies one command under the row lock and writes its patch and history; `from` is the percentage before. */
  private async command(id: string, command: RolloutCommand): Promise<{ rollout: RolloutEntity; from: number }> {
    let from = 0;
    // What a unique violation is about: the rollout's own model version (start) or the one PATCH moves it to.
    let version: string | null = null;
    try {
      const rollout = await this.locked(id, async ({ tx }, rollout) => {
        from = rollout.percentage;
        const { patch, history } = applyCommand(rollout, command, this.clock.now());
        version = patch.modelVersion ?? rollout.modelVersion;
        if (patch.modelVersion !== undefined) await this.assertVersionFree(tx, patch.modelVersion, rollout.id);
        await this.store.update(tx, rollout.id, patch);
        await this.store.appendHistory(tx, rollout.id, history);
        Object.assign(rollout, patch);
        await this.notifications.enqueue(tx, rollout, history);
        return rollout;
      });
      return { rollout, from };
    } catch (error) {
      throw uniqueConflict(error, null, version) ?? error;
    }
  }

  /** Loads the rollout under its row lock and runs `change` through the write-and-publish path. */
  private async locked(id: string, change: (write: Write, rollout: RolloutEntity) => Promise<RolloutEntity>): Promise<RolloutEntity> {
    return this.writes.run(async (write) => {
      const rollout = await this.store.find(id, { tx: write.tx, lock: true });
      if (!rollout) throw NotFoundError.rollout(id);
      const changed = await change(write, rollout);
      write.publish({ entity: 'rollout', id: rollout.id });
      write.afterCommit(() => this.metrics.setRolloutPercentage(changed.name, changed.modelVersion, changed.percentage));
      return changed;
    });
  }

  /** A `webhookUrl` must point where a webhook subscription may (no loopback, private, link-local or metadata address): 400 otherwise. */
  private async assertTargetAllowed(webhookUrl: string | null | undefined): Promise<void> {
    if (webhookUrl) await this.targets.assertAllowed(webhookUrl, 'webhookUrl');
  }

  /** The friendly 409 for the common case; the partial unique index catches the race. */
  private async assertVersionFree(tx: EntityManager, modelVersion: string, exceptId: string | null): Promise<void> {
    const holder = await this.store.versionHolder(tx, modelVersion, exceptId);
    if (holder) throw versionConflict(modelVersion, holder);
  }
}

function versionConflict(modelVersion: string, holder: { id: string; name: string; status: string } | null): ConflictError {
  return new ConflictError(
    holder
      ? `model version ${modelVersion} already has an unfinished rollout (${holder.name}, ${holder.status}): complete, roll back or delete it first`
      : `${modelVersion} already has an unfinished rollout: complete, roll back or delete it first`,
    undefined,
    holder ? { conflictingRolloutId: holder.id } : undefined,
    'MODEL_VERSION_TAKEN',
  );
}

/** A unique violation as the 409 that says which rule: the name (case-insensitive) or one unfinished rollout per model version. */
function uniqueConflict(error: unknown, name: string | null, modelVersion: string | null): ConflictError | null {
  if (postgresErrorCode(error) !== '23505') return null;
  const constraint = (error as { driverError?: { constraint?: string } }).driverError?.constraint;
  if (constraint === 'rollouts_name_unique') {
    return new ConflictError(
      name === null ? 'Rollout name is already taken' : `Rollout name "${name}" is already taken`,
      undefined,
      undefined,
      'NAME_TAKEN',
    );
  }
  return versionConflict(modelVersion ?? 'this model version', null);
}
