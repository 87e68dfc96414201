import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../common/auth/access.decorator';
import { postgresErrorCode } from '../common/database-errors';
import { ConflictError, FieldProblem, InvalidInputError, NotFoundError } from '../common/errors';
import { isPlainObject } from '../common/input-checks';
import { Page } from '../common/pagination';
import { ChangeFeedService } from '../database/change-feed.service';
import { isUuid } from '../common/ids';
import { MetricsService } from '../metrics/metrics.service';
import type { CreateRolloutDto, RolloutScheduleDto } from './dto/create-rollout.dto';
import { HealthReportDto, MAX_OBSERVATIONS, ObservationsDto } from './dto/health-report.dto';
import type { ListRolloutsQuery, SetPercentageDto, StartRolloutDto } from './dto/rollout-actions.dto';
import type { UpdateRolloutDto } from './dto/update-rollout.dto';
import { RolloutCatalogService, RolloutDecision, decideForUser } from './rollout-catalog.service';
import { stageForPercentage } from './rollout-decision';
import { RolloutHistoryEntity } from './rollout-history.entity';
import { insertHealthReport, insertObservations, recordHistory } from './rollout-queries';
import { DEFAULT_STAGES, DEFAULT_THRESHOLDS, hasAtMostTwoDecimals, mergeThresholds, stageProblems, toHundredths } from './rollout-rules';
import { RolloutWebhookService } from './rollout-webhook.service';
import { RolloutEntity } from './rollout.entity';
import type { HealthThresholds, RolloutStage, RolloutStatus } from './rollout.model';

export type RolloutCommand = 'start' | 'pause' | 'resume' | 'promote' | 'rollback' | 'percentage' | 'update' | 'delete';

/** Which commands each status accepts; a 409 lists them as `allowed`. */
const ALLOWED: Record<RolloutStatus, readonly RolloutCommand[]> = {
  draft: ['start', 'update', 'delete'],
  scheduled: ['promote', 'rollback', 'update', 'delete'],
  running: ['pause', 'promote', 'rollback', 'percentage', 'update'],
  paused: ['resume', 'promote', 'rollback', 'percentage', 'update'],
  completed: ['rollback', 'update', 'delete'],
  rolled_back: ['start', 'update', 'delete'],
};

// Fields PATCH may change after draft (contract §6).
const ALWAYS_EDITABLE = new Set(['description', 'healthThresholds']);

export interface CheckResult extends RolloutDecision {
  rolloutId: string;
  modelVersion: string;
  userId: string;
}

interface Definition {
  name: string;
  description: string | null;
  modelVersion: string;
  baselineVersion: string | null;
  startTime: Date | null;
  stages: RolloutStage[];
  healthThresholds: HealthThresholds;
  webhookUrl: string | null;
}

function normaliseStages(stages: readonly RolloutStage[]): RolloutStage[] {
  return stages.map((s) => ({ percentage: toHundredths(s.percentage), durationHours: s.durationHours }));
}

function scheduleOf(
  schedule: RolloutScheduleDto | undefined,
  current: { startTime: Date | null; stages: RolloutStage[] },
): Pick<Definition, 'startTime' | 'stages'> {
  const startTime =
    schedule?.startTime === undefined ? current.startTime : schedule.startTime === null ? null : new Date(schedule.startTime);
  return { startTime, stages: schedule?.stages === undefined ? current.stages : schedule.stages };
}

function definitionProblems(def: Definition): FieldProblem[] {
  const problems = stageProblems(def.stages);
  if (def.name.trim().length === 0) problems.push({ field: 'name', problem: 'must not be blank' });
  if (def.modelVersion.trim().length === 0) problems.push({ field: 'modelVersion', problem: 'must not be blank' });
  return problems;
}

function commandConflict(rollout: RolloutEntity, message: string): ConflictError {
  return new ConflictError(message, undefined, { status: rollout.status, allowed: ALLOWED[rollout.status] });
}

function requireAllowed(rollout: RolloutEntity, command: RolloutCommand, message?: string): void {
  if (!ALLOWED[rollout.status].includes(command)) {
    throw commandConflict(rollout, message ?? `cannot ${command} a ${rollout.status.replace('_', ' ')} rollout`);
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

@Injectable()
export class RolloutsService {
  private readonly logger = new Logger(RolloutsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly changes: ChangeFeedService,
    private readonly catalog: RolloutCatalogService,
    private readonly metrics: MetricsService,
    private readonly webhooks: RolloutWebhookService,
  ) {}

  async create(dto: CreateRolloutDto, actor: Actor): Promise<RolloutEntity> {
    const def: Definition = {
      name: dto.name,
      description: dto.description ?? null,
      modelVersion: dto.modelVersion,
      baselineVersion: dto.baselineVersion ?? null,
      ...scheduleOf(dto.schedule, { startTime: null, stages: [...DEFAULT_STAGES] }),
      healthThresholds: mergeThresholds(DEFAULT_THRESHOLDS, dto.healthThresholds),
      webhookUrl: dto.webhookUrl ?? null,
    };
    const problems = definitionProblems(def);
    if (problems.length > 0) throw InvalidInputError.fromProblems(problems);
    def.stages = normaliseStages(def.stages);
    return this.write(def, async (manager) => {
      await this.assertVersionFree(manager, def.modelVersion, null);
      const now = new Date();
      const rollout = await manager.save(
        manager.create(RolloutEntity, {
          ...def,
          status: 'draft',
          percentage: 0,
          currentStage: 0,
          stageStartedAt: null,
          lastHealth: null,
          rollbackReason: null,
          createdAt: now,
          updatedAt: now,
          startedAt: null,
          completedAt: null,
        }),
      );
      await recordHistory(manager, rollout.id, { action: 'created', toPercentage: 0, stage: 0, actor });
      return rollout;
    });
  }

  async list(query: ListRolloutsQuery): Promise<Page<RolloutEntity>> {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const where: Partial<Pick<RolloutEntity, 'status' | 'modelVersion'>> = {};
    if (query.status) where.status = query.status;
    if (query.modelVersion) where.modelVersion = query.modelVersion;
    const [items, total] = await this.dataSource.manager.findAndCount(RolloutEntity, {
      where,
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
      skip: offset,
    });
    return { items, total, limit, offset };
  }

  async get(id: string): Promise<RolloutEntity> {
    return this.mustFind(this.dataSource.manager, id);
  }

  async update(id: string, dto: UpdateRolloutDto, actor: Actor): Promise<RolloutEntity> {
    return this.mutate(id, async (manager, rollout) => {
      const current: Definition = {
        name: rollout.name,
        description: rollout.description,
        modelVersion: rollout.modelVersion,
        baselineVersion: rollout.baselineVersion,
        startTime: rollout.startTime,
        stages: rollout.stages,
        healthThresholds: rollout.healthThresholds,
        webhookUrl: rollout.webhookUrl,
      };
      const next: Definition = {
        name: dto.name ?? current.name,
        description: dto.description !== undefined ? dto.description : current.description,
        modelVersion: dto.modelVersion ?? current.modelVersion,
        baselineVersion: dto.baselineVersion !== undefined ? dto.baselineVersion : current.baselineVersion,
        ...scheduleOf(dto.schedule, current),
        healthThresholds: mergeThresholds(current.healthThresholds, dto.healthThresholds),
        webhookUrl: dto.webhookUrl !== undefined ? dto.webhookUrl : current.webhookUrl,
      };
      const problems = definitionProblems(next);
      if (problems.length > 0) throw InvalidInputError.fromProblems(problems);
      next.stages = normaliseStages(next.stages);
      const changed = (Object.keys(next) as Array<keyof Definition>).filter((field) => !sameJson(next[field], current[field]));
      if (rollout.status !== 'draft') {
        const forbidden = changed
          .filter((field) => !ALWAYS_EDITABLE.has(field))
          .map((field) => (field === 'startTime' || field === 'stages' ? 'schedule' : field));
        if (forbidden.length > 0) {
          throw commandConflict(
            rollout,
            `cannot change ${[...new Set(forbidden)].join(', ')} of a ${rollout.status.replace('_', ' ')} rollout: only description and healthThresholds may change after draft`,
          );
        }
      }
      if (changed.length === 0) return rollout;
      if (next.modelVersion !== current.modelVersion) await this.assertVersionFree(manager, next.modelVersion, rollout.id);
      Object.assign(rollout, next, { updatedAt: new Date() });
      await manager.save(rollout);
      const fields = [...new Set(changed.map((field) => (field === 'startTime' || field === 'stages' ? 'schedule' : field)))];
      await recordHistory(manager, rollout.id, {
        action: 'updated',
        fromPercentage: rollout.percentage,
        toPercentage: rollout.percentage,
        stage: rollout.currentStage,
        reason: `changed ${fields.join(', ')}`,
        actor,
      });
      return rollout;
    });
  }

  async remove(id: string): Promise<void> {
    const removed = await this.mutate(id, async (manager, rollout) => {
      requireAllowed(rollout, 'delete', `rollout ${rollout.name} is ${rollout.status}: roll it back or promote it before deleting`);
      await manager.delete(RolloutEntity, { id: rollout.id });
      return rollout;
    });
    this.metrics.rolloutPercentage.remove({ rollout: removed.name, model_version: removed.modelVersion });
  }

  /** draft | rolled_back → running at stage 0, or → scheduled while the start time is in the future. */
  async start(id: string, dto: StartRolloutDto, actor: Actor): Promise<RolloutEntity> {
    return this.mutate(id, async (manager, rollout) => {
      requireAllowed(rollout, 'start');
      const now = new Date();
      if (dto.startTime !== undefined) rollout.startTime = new Date(dto.startTime);
      const from = rollout.percentage;
      rollout.rollbackReason = null;
      rollout.lastHealth = null;
      rollout.completedAt = null;
      rollout.currentStage = 0;
      rollout.updatedAt = now;
      if (rollout.startTime !== null && rollout.startTime.getTime() > now.getTime()) {
        rollout.status = 'scheduled';
        rollout.percentage = 0;
        rollout.stageStartedAt = null;
        await this.saveChecked(manager, rollout);
        await recordHistory(manager, rollout.id, {
          action: 'scheduled',
          fromPercentage: from,
          toPercentage: 0,
          stage: 0,
          reason: dto.reason ?? `starts at ${rollout.startTime.toISOString()}`,
          actor,
        });
        return rollout;
      }
      rollout.status = 'running';
      rollout.percentage = rollout.stages[0].percentage;
      rollout.stageStartedAt = now;
      rollout.startedAt = now;
      await this.saveChecked(manager, rollout);
      await recordHistory(manager, rollout.id, {
        action: 'started',
        fromPercentage: from,
        toPercentage: rollout.percentage,
        stage: 0,
        reason: dto.reason ?? null,
        actor,
      });
      return rollout;
    });
  }

  /** Manual override: the stage becomes the last one at or below the value, and its timer restarts. */
  async setPercentage(id: string, dto: SetPercentageDto, actor: Actor): Promise<RolloutEntity> {
    if (!hasAtMostTwoDecimals(dto.percentage)) {
      throw InvalidInputError.fromProblems([{ field: 'percentage', problem: 'must have at most two decimals (0.01 steps)' }]);
    }
    const percentage = toHundredths(dto.percentage);
    return this.mutate(id, async (manager, rollout) => {
      requireAllowed(
        rollout,
        'percentage',
        `cannot set the percentage of a ${rollout.status.replace('_', ' ')} rollout` +
          (rollout.status === 'draft' || rollout.status === 'scheduled' ? ': start it first' : ''),
      );
      const from = rollout.percentage;
      const now = new Date();
      rollout.percentage = percentage;
      rollout.currentStage = stageForPercentage(rollout.stages, percentage);
      rollout.stageStartedAt = now;
      rollout.updatedAt = now;
      await manager.save(rollout);
      await recordHistory(manager, rollout.id, {
        action: 'manual_percentage',
        fromPercentage: from,
        toPercentage: percentage,
        stage: rollout.currentStage,
        reason: dto.reason ?? null,
        actor,
      });
      return rollout;
    });
  }

  async pause(id: string, reason: string | undefined, actor: Actor): Promise<RolloutEntity> {
    return this.mutate(id, async (manager, rollout) => {
      requireAllowed(rollout, 'pause');
      rollout.status = 'paused';
      rollout.updatedAt = new Date();
      await manager.save(rollout);
      await this.recordSame(manager, rollout, 'paused', reason, actor);
      return rollout;
    });
  }

  /** paused → running; the stage timer (and health window) restarts, so time spent paused does not count. */
  async resume(id: string, reason: string | undefined, actor: Actor): Promise<RolloutEntity> {
    return this.mutate(id, async (manager, rollout) => {
      requireAllowed(rollout, 'resume');
      const now = new Date();
      rollout.status = 'running';
      rollout.stageStartedAt = now;
      rollout.updatedAt = now;
      await manager.save(rollout);
      await this.recordSame(manager, rollout, 'resumed', reason, actor);
      return rollout;
    });
  }

  async promote(id: string, reason: string | undefined, actor: Actor): Promise<RolloutEntity> {
    return this.mutate(id, async (manager, rollout) => {
      requireAllowed(rollout, 'promote');
      const from = rollout.percentage;
      const now = new Date();
      rollout.status = 'completed';
      rollout.percentage = 100;
      rollout.currentStage = rollout.stages.length - 1;
      rollout.stageStartedAt ??= now;
      rollout.startedAt ??= now;
      rollout.completedAt = now;
      rollout.updatedAt = now;
      await manager.save(rollout);
      await recordHistory(manager, rollout.id, {
        action: 'promoted',
        fromPercentage: from,
        toPercentage: 100,
        stage: rollout.currentStage,
        reason: reason ?? null,
        actor,
      });
      return rollout;
    });
  }

  async rollback(id: string, reason: string | undefined, actor: Actor): Promise<RolloutEntity> {
    let from = 0;
    const rolledBack = await this.mutate(id, async (manager, rollout) => {
      requireAllowed(rollout, 'rollback');
      from = rollout.percentage;
      const now = new Date();
      rollout.status = 'rolled_back';
      rollout.percentage = 0;
      rollout.rollbackReason = reason ?? `rolled back manually by ${actor}`;
      rollout.updatedAt = now;
      await manager.save(rollout);
      await recordHistory(manager, rollout.id, {
        action: 'rolled_back',
        fromPercentage: from,
        toPercentage: 0,
        stage: rollout.currentStage,
        reason: rollout.rollbackReason,
        actor,
      });
      return rollout;
    });
    this.metrics.recordRollback('manual');
    this.logger.warn(
      `rollout ${rolledBack.name} (${rolledBack.modelVersion}) rolled back manually from ${from} %: ${rolledBack.rollbackReason}`,
    );
    this.webhooks.send(rolledBack.webhookUrl, {
      event: 'rollout.rolled_back',
      trigger: 'manual',
      at: rolledBack.updatedAt.toISOString(),
      rollout: {
        id: rolledBack.id,
        name: rolledBack.name,
        modelVersion: rolledBack.modelVersion,
        baselineVersion: rolledBack.baselineVersion,
        status: rolledBack.status,
        percentage: 0,
      },
      fromPercentage: from,
      toPercentage: 0,
      stage: rolledBack.currentStage,
      reason: rolledBack.rollbackReason ?? '',
      failedChecks: [],
      health: rolledBack.lastHealth,
    });
    return rolledBack;
  }

  async check(id: string, userId: string): Promise<CheckResult> {
    const rollout = await this.catalog.findById(id);
    if (!rollout) throw new NotFoundError(`Rollout ${id} not found`);
    return { rolloutId: rollout.id, modelVersion: rollout.modelVersion, userId, ...decideForUser(rollout, userId) };
  }

  async checkModelVersion(modelVersion: string, userId: string): Promise<CheckResult> {
    const rollout = await this.catalog.findByModelVersion(modelVersion);
    if (!rollout) throw new NotFoundError(`No rollout for model version ${modelVersion}`);
    return { rolloutId: rollout.id, modelVersion: rollout.modelVersion, userId, ...decideForUser(rollout, userId) };
  }

  async reportHealth(id: string, dto: HealthReportDto): Promise<{ status: 'recorded'; rolloutId: string; reportId: string }> {
    const labeled = dto.labeled ?? 0;
    const correct = dto.correct ?? 0;
    const windowStart = dto.windowStart !== undefined ? new Date(dto.windowStart) : null;
    const windowEnd = dto.windowEnd !== undefined ? new Date(dto.windowEnd) : null;
    const problems: FieldProblem[] = [];
    if (dto.errors > dto.requests) problems.push({ field: 'errors', problem: `must be ≤ requests (${dto.requests})` });
    if (correct > labeled) problems.push({ field: 'correct', problem: `must be ≤ labeled (${labeled})` });
    if (windowStart && windowEnd && windowStart.getTime() > windowEnd.getTime()) {
      problems.push({ field: 'windowEnd', problem: 'must not be before windowStart' });
    }
    if (problems.length > 0) throw InvalidInputError.fromProblems(problems);
    const rollout = await this.acceptingData(id);
    const reportId = await this.insertForRollout(rollout.id, (manager) =>
      insertHealthReport(manager, rollout.id, {
        requests: dto.requests,
        errors: dto.errors,
        latencyP95Ms: dto.latencyP95Ms ?? null,
        labeled,
        correct,
        windowStart,
        windowEnd,
      }),
    );
    return { status: 'recorded', rolloutId: rollout.id, reportId };
  }

  async recordObservations(id: string, dto: ObservationsDto): Promise<{ status: 'recorded'; rolloutId: string; accepted: number }> {
    const columns = parseObservations(dto.observations);
    const rollout = await this.acceptingData(id);
    const accepted = await this.insertForRollout(rollout.id, (manager) => insertObservations(manager, rollout.id, columns));
    return { status: 'recorded', rolloutId: rollout.id, accepted };
  }

  async history(id: string): Promise<RolloutHistoryEntity[]> {
    const rollout = await this.get(id);
    return this.dataSource.manager.find(RolloutHistoryEntity, { where: { rolloutId: rollout.id }, order: { at: 'ASC', id: 'ASC' } });
  }

  /** Health data is taken while the rollout can still act on it: scheduled, running or paused. */
  private async acceptingData(id: string): Promise<{ id: string }> {
    const rollout = await this.catalog.findById(id);
    if (!rollout) throw new NotFoundError(`Rollout ${id} not found`);
    if (!['scheduled', 'running', 'paused'].includes(rollout.status)) {
      throw new ConflictError(
        `rollout ${rollout.name} is ${rollout.status}: health data is only taken while it is scheduled, running or paused`,
        undefined,
        {
          status: rollout.status,
        },
      );
    }
    return rollout;
  }

  /** A rollout deleted between the cache read and the insert is a 404, not a foreign-key error. */
  private async insertForRollout<T>(id: string, insert: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await insert(this.dataSource.manager);
    } catch (error) {
      if (postgresErrorCode(error) === '23503') throw new NotFoundError(`Rollout ${id} not found`);
      throw error;
    }
  }

  private async recordSame(
    manager: EntityManager,
    rollout: RolloutEntity,
    action: 'paused' | 'resumed',
    reason: string | undefined,
    actor: Actor,
  ): Promise<void> {
    await recordHistory(manager, rollout.id, {
      action,
      fromPercentage: rollout.percentage,
      toPercentage: rollout.percentage,
      stage: rollout.currentStage,
      reason: reason ?? null,
      actor,
    });
  }

  /** The friendly 409 for the common case; the partial unique index catches the race. */
  private async assertVersionFree(manager: EntityManager, modelVersion: string, exceptId: string | null): Promise<void> {
    const rows: Array<{ id: string; name: string; status: string }> = await manager.query(
      `SELECT id, name, status FROM rollouts
        WHERE model_version = $1 AND status IN ('draft', 'scheduled', 'running', 'paused') AND ($2::uuid IS NULL OR id <> $2::uuid)
        LIMIT 1`,
      [modelVersion, exceptId],
    );
    if (rows.length > 0) throw versionConflict(modelVersion, rows[0]);
  }

  private async saveChecked(manager: EntityManager, rollout: RolloutEntity): Promise<void> {
    try {
      await manager.save(rollout);
    } catch (error) {
      if (postgresErrorCode(error) === '23505') throw versionConflict(rollout.modelVersion, null);
      throw error;
    }
  }

  /** Create in a transaction; unique violations become 409s that say which rule. */
  private async write(def: Definition, work: (manager: EntityManager) => Promise<RolloutEntity>): Promise<RolloutEntity> {
    let rollout: RolloutEntity;
    try {
      rollout = await this.dataSource.transaction(async (manager) => {
        const created = await work(manager);
        await this.changes.publish({ entity: 'rollout', id: created.id }, manager);
        return created;
      });
    } catch (error) {
      throw uniqueConflict(error, def) ?? error;
    }
    this.changes.notifyLocally({ entity: 'rollout', id: rollout.id });
    return rollout;
  }

  /** Loads the rollout under a row lock (waiting for a scheduler tick that holds it), applies `change`, publishes on commit. */
  private async mutate(
    id: string,
    change: (manager: EntityManager, rollout: RolloutEntity) => Promise<RolloutEntity>,
  ): Promise<RolloutEntity> {
    let result: RolloutEntity;
    try {
      result = await this.dataSource.transaction(async (manager) => {
        const rollout = await this.mustFind(manager, id, true);
        const changed = await change(manager, rollout);
        await this.changes.publish({ entity: 'rollout', id: rollout.id }, manager);
        return changed;
      });
    } catch (error) {
      if (postgresErrorCode(error) === '23505') {
        const constraint = (error as { driverError?: { constraint?: string } }).driverError?.constraint;
        throw constraint === 'rollouts_name_unique'
          ? new ConflictError('Rollout name is already taken')
          : versionConflict('this model version', null);
      }
      throw error;
    }
    this.changes.notifyLocally({ entity: 'rollout', id: result.id });
    this.metrics.setRolloutPercentage(result.name, result.modelVersion, result.percentage);
    return result;
  }

  private async mustFind(manager: EntityManager, id: string, forUpdate = false): Promise<RolloutEntity> {
    const rollout = isUuid(id)
      ? await manager.findOne(RolloutEntity, {
          where: { id: id.toLowerCase() },
          ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}),
        })
      : null;
    if (!rollout) throw new NotFoundError(`Rollout ${id} not found`);
    return rollout;
  }
}

function versionConflict(modelVersion: string, holder: { id: string; name: string; status: string } | null): ConflictError {
  return new ConflictError(
    holder
      ? `model version ${modelVersion} already has an unfinished rollout (${holder.name}, ${holder.status}): complete, roll back or delete it first`
      : `${modelVersion} already has an unfinished rollout: complete, roll back or delete it first`,
    undefined,
    holder ? { conflictingRolloutId: holder.id } : undefined,
  );
}

function uniqueConflict(error: unknown, def: Definition): ConflictError | null {
  if (postgresErrorCode(error) !== '23505') return null;
  const constraint = (error as { driverError?: { constraint?: string } }).driverError?.constraint;
  if (constraint === 'rollouts_model_version_active_unique') return versionConflict(def.modelVersion, null);
  return new ConflictError(`Rollout name "${def.name}" is already taken`);
}

const OBSERVATION_KEYS = new Set(['latencyMs', 'error', 'correct']);
const MAX_REPORTED_PROBLEMS = 20;

/** Hand-written check of up to 10,000 items: a few microseconds each instead of class-validator's milliseconds. */
export function parseObservations(items: unknown[]): { latencyMs: Array<number | null>; error: boolean[]; correct: Array<boolean | null> } {
  if (items.length === 0) throw InvalidInputError.fromProblems([{ field: 'observations', problem: 'must contain at least 1 observation' }]);
  if (items.length > MAX_OBSERVATIONS) {
    throw InvalidInputError.fromProblems([
      { field: 'observations', problem: `must contain at most ${MAX_OBSERVATIONS} observations per call, got ${items.length}` },
    ]);
  }
  const latencyMs: Array<number | null> = [];
  const error: boolean[] = [];
  const correct: Array<boolean | null> = [];
  const problems: FieldProblem[] = [];
  const problem = (field: string, text: string): void => {
    if (problems.length < MAX_REPORTED_PROBLEMS) problems.push({ field, problem: text });
  };
  items.forEach((item, i) => {
    const at = `observations[${i}]`;
    if (!isPlainObject(item)) {
      problem(at, 'must be an object');
      return;
    }
    const o = item as Record<string, unknown>;
    for (const key of Object.keys(o)) if (!OBSERVATION_KEYS.has(key)) problem(`${at}.${key}`, 'is not a known field');
    const latency = o.latencyMs;
    if (latency !== undefined && latency !== null && !(typeof latency === 'number' && Number.isFinite(latency) && latency >= 0)) {
      problem(`${at}.latencyMs`, 'must be a finite number ≥ 0');
    }
    if (o.error !== undefined && typeof o.error !== 'boolean') problem(`${at}.error`, 'must be a boolean');
    if (o.correct !== undefined && o.correct !== null && typeof o.correct !== 'boolean')
      problem(`${at}.correct`, 'must be a boolean or null');
    latencyMs.push(typeof latency === 'number' ? latency : null);
    error.push(o.error === true);
    correct.push(typeof o.correct === 'boolean' ? o.correct : null);
  });
  if (problems.length > 0) throw InvalidInputError.fromProblems(problems);
  return { latencyMs, error, correct };
}
