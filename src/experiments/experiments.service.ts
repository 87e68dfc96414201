import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../common/auth/access.decorator';
import { postgresErrorCode } from '../common/database-errors';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/errors';
import { Page } from '../common/pagination';
import { ChangeFeedService } from '../database/change-feed.service';
import type { CreateExperimentDto } from './dto/create-experiment.dto';
import type { ListExperimentsQuery } from './dto/list-experiments.query';
import type { UpdateExperimentDto } from './dto/update-experiment.dto';
import { ExperimentHistoryEntity } from './experiment-history.entity';
import { findExperimentByIdOrKey } from './experiment-lookup';
import { purgeExperimentRows } from './experiment-purge.store';
import {
  allowedTransitions,
  applyUpdate,
  canTransition,
  definitionFromCreate,
  definitionOf,
  definitionProblems,
  diffDefinitions,
  ExperimentDefinition,
  forbiddenChange,
} from './experiment-rules';
import { ExperimentEntity } from './experiment.entity';
import { EXPERIMENT_STATUSES, ExperimentStatus } from './experiment.model';

export type LifecycleAction = 'start' | 'pause' | 'resume' | 'complete';

const ACTION_TARGET: Record<LifecycleAction, ExperimentStatus> = {
  start: 'running',
  pause: 'paused',
  resume: 'running',
  complete: 'completed',
};

// The action a transition is recorded as in history.
function actionName(from: ExperimentStatus, to: ExperimentStatus): string {
  if (to === 'running') return from === 'paused' ? 'resumed' : 'started';
  if (to === 'paused') return 'paused';
  return 'completed';
}

export interface HistoryEntry {
  at: string;
  action: string;
  from: ExperimentStatus | null;
  to: ExperimentStatus | null;
  changes: Record<string, { from: unknown; to: unknown }> | null;
  actor: Actor;
}

/** Unique violations carry the index name; turn the two we expect into clear 409s. */
function uniqueConflict(error: unknown, def: ExperimentDefinition): ConflictError | null {
  if (postgresErrorCode(error) !== '23505') return null;
  const constraint = (error as { constraint?: string; driverError?: { constraint?: string } }).driverError?.constraint;
  if (constraint === 'experiments_key_unique') return new ConflictError(`Experiment key "${def.key}" is already taken`);
  return new ConflictError(`Experiment name "${def.name}" is already taken`);
}

@Injectable()
export class ExperimentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly changes: ChangeFeedService,
  ) {}

  async create(dto: CreateExperimentDto, actor: Actor): Promise<ExperimentEntity> {
    const def = definitionFromCreate(dto);
    const problems = definitionProblems(def);
    if (problems.length > 0) throw InvalidInputError.fromProblems(problems);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const now = new Date();
        const inserted = await manager.save(
          manager.create(ExperimentEntity, { ...def, status: 'draft', winner: null, createdAt: now, updatedAt: now }),
        );
        await this.record(manager, inserted.id, { action: 'created', from: null, to: 'draft', changes: null, actor });
        return inserted;
      });
    } catch (error) {
      throw uniqueConflict(error, def) ?? error;
    }
  }

  async list(query: ListExperimentsQuery): Promise<Page<ExperimentEntity>> {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const [items, total] = await this.dataSource.manager.findAndCount(ExperimentEntity, {
      where: query.status ? { status: query.status } : {},
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
      skip: offset,
    });
    return { items, total, limit, offset };
  }

  async get(idOrKey: string): Promise<ExperimentEntity> {
    return this.mustFind(this.dataSource.manager, idOrKey);
  }

  async update(idOrKey: string, dto: UpdateExperimentDto, actor: Actor): Promise<ExperimentEntity> {
    let next: ExperimentDefinition | null = null;
    try {
      return await this.mutate(idOrKey, async (manager, experiment) => {
        if (dto.key !== undefined && dto.key !== experiment.key) {
          throw InvalidInputError.fromProblems([{ field: 'key', problem: 'is immutable once the experiment exists' }]);
        }
        const before = definitionOf(experiment);
        next = applyUpdate(before, dto);
        const problems = definitionProblems(next);
        if (problems.length > 0) throw InvalidInputError.fromProblems(problems);
        const forbidden = forbiddenChange(experiment.status, before, next);
        if (forbidden) throw new ConflictError(forbidden, undefined, { status: experiment.status });
        const changes = diffDefinitions(before, next);
        if (Object.keys(changes).length === 0) return experiment;
        Object.assign(experiment, next, { updatedAt: new Date() });
        await manager.save(experiment);
        await this.record(manager, experiment.id, { action: 'updated', from: experiment.status, to: experiment.status, changes, actor });
        return experiment;
      });
    } catch (error) {
      throw (next && uniqueConflict(error, next)) ?? error;
    }
  }

  /**
   * In three steps, none holding a lock for long (issue 13): (1) the experiment is closed
   * (completed: it accepts no more events, and completed is final, so nothing can reopen it while
   * its data goes); (2) its events, totals and assignments are deleted in short batches; (3) the row
   * itself is deleted (the cascade has little left). Interrupted, a repeated DELETE finishes the job.
   */
  async remove(idOrKey: string): Promise<void> {
    const closed = await this.mutate(idOrKey, async (manager, experiment) => {
      if (experiment.status === 'running') {
        throw new ConflictError(`Experiment ${experiment.key} is running: pause or complete it before deleting`, undefined, {
          status: experiment.status,
        });
      }
      if (experiment.status !== 'completed') await manager.update(ExperimentEntity, { id: experiment.id }, { status: 'completed' });
      return experiment;
    });
    await purgeExperimentRows(this.dataSource, closed.id);
    await this.mutate(closed.id, async (manager, experiment) => {
      await manager.delete(ExperimentEntity, { id: experiment.id });
      return experiment;
    });
  }

  async transition(idOrKey: string, action: LifecycleAction, actor: Actor, winner?: string): Promise<ExperimentEntity> {
    return this.moveTo(idOrKey, ACTION_TARGET[action], actor, winner, action);
  }

  /** `PUT /status` (seed-001): the same transitions, named by their target status. */
  async setStatus(idOrKey: string, status: unknown, actor: Actor, winner?: string): Promise<ExperimentEntity> {
    if (typeof status !== 'string' || !(EXPERIMENT_STATUSES as readonly string[]).includes(status)) {
      throw new InvalidInputError('Invalid status', [{ field: 'status', problem: `must be one of ${EXPERIMENT_STATUSES.join(', ')}` }], {
        validStatuses: [...EXPERIMENT_STATUSES],
      });
    }
    return this.moveTo(idOrKey, status as ExperimentStatus, actor, winner);
  }

  async history(idOrKey: string): Promise<HistoryEntry[]> {
    const experiment = await this.get(idOrKey);
    const rows = await this.dataSource.manager.find(ExperimentHistoryEntity, {
      where: { experimentId: experiment.id },
      order: { at: 'ASC', id: 'ASC' },
    });
    return rows.map((row) => ({
      at: row.at.toISOString(),
      action: row.action,
      from: row.fromStatus,
      to: row.toStatus,
      changes: row.changes,
      actor: row.actor,
    }));
  }

  private async moveTo(
    idOrKey: string,
    to: ExperimentStatus,
    actor: Actor,
    winner: string | undefined,
    action?: LifecycleAction,
  ): Promise<ExperimentEntity> {
    return this.mutate(idOrKey, async (manager, experiment) => {
      const from = experiment.status;
      // `start` means draft → running and `resume` paused → running; the wrong one is an illegal move.
      const wrongVerb = (action === 'start' && from === 'paused') || (action === 'resume' && from === 'draft');
      if (!canTransition(from, to) || wrongVerb) {
        throw new ConflictError(`cannot go from ${from} to ${to}`, undefined, { status: from, allowed: allowedTransitions(from) });
      }
      if (winner !== undefined && to !== 'completed') {
        throw InvalidInputError.fromProblems([{ field: 'winner', problem: 'is only accepted when completing' }]);
      }
      if (winner !== undefined && !experiment.variants.some((v) => v.name === winner)) {
        throw InvalidInputError.fromProblems([
          { field: 'winner', problem: `must be one of the variants (${experiment.variants.map((v) => v.name).join(', ')})` },
        ]);
      }
      const now = new Date();
      experiment.status = to;
      experiment.updatedAt = now;
      if (to === 'running' && from === 'draft') experiment.startedAt = now;
      if (to === 'running') experiment.pausedAt = null;
      if (to === 'paused') experiment.pausedAt = now;
      if (to === 'completed') {
        experiment.completedAt = now;
        experiment.winner = winner ?? null;
      }
      await manager.save(experiment);
      await this.record(manager, experiment.id, {
        action: actionName(from, to),
        from,
        to,
        changes: winner !== undefined ? { winner: { from: null, to: winner } } : null,
        actor,
      });
      return experiment;
    });
  }

  /** Loads the experiment under a row lock, applies `change`, publishes the change on commit. */
  private async mutate(
    idOrKey: string,
    change: (manager: EntityManager, experiment: ExperimentEntity) => Promise<ExperimentEntity>,
  ): Promise<ExperimentEntity> {
    const result = await this.dataSource.transaction(async (manager) => {
      const experiment = await this.mustFind(manager, idOrKey, true);
      const changed = await change(manager, experiment);
      await this.changes.publish({ entity: 'experiment', id: experiment.id }, manager);
      return changed;
    });
    this.changes.notifyLocally({ entity: 'experiment', id: result.id });
    return result;
  }

  private async mustFind(manager: EntityManager, idOrKey: string, forUpdate = false): Promise<ExperimentEntity> {
    const experiment = await findExperimentByIdOrKey(manager, idOrKey, { forUpdate });
    if (!experiment) throw new NotFoundError(`Experiment ${idOrKey} not found`);
    return experiment;
  }

  private async record(
    manager: EntityManager,
    experimentId: string,
    entry: { action: string; from: ExperimentStatus | null; to: ExperimentStatus | null; changes: HistoryEntry['changes']; actor: Actor },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO experiment_history (experiment_id, action, from_status, to_status, changes, actor)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [experimentId, entry.action, entry.from, entry.to, entry.changes === null ? null : JSON.stringify(entry.changes), entry.actor],
    );
  }
}
