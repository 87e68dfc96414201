import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/auth/access.decorator';
import { postgresErrorCode } from '../common/database-errors';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/errors';
import { Page } from '../common/pagination';
import { Write, WriteAndPublish } from '../database/write-and-publish';
import { experimentEvent, type ExperimentEventType } from '../webhooks/webhook-events';
import { WebhookOutbox } from '../webhooks/webhook-outbox.service';
import type { CreateExperimentDto } from './dto/create-experiment.dto';
import type { ListExperimentsQuery } from './dto/list-experiments.query';
import type { UpdateExperimentDto } from './dto/update-experiment.dto';
import {
  ACTION_TARGET,
  allowedTransitions,
  canApply,
  applyUpdate,
  canTransition,
  definitionFromCreate,
  definitionOf,
  definitionProblems,
  diffDefinitions,
  ExperimentDefinition,
  forbiddenChange,
  LifecycleAction,
} from './experiment-rules';
import { ExperimentEntity } from './experiment.entity';
import { toExperimentResponse } from './experiment.response';
import { ExperimentStore } from './experiment.store';
import { EXPERIMENT_STATUSES, ExperimentStatus } from './experiment.model';

export type { LifecycleAction };

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
  if (constraint === 'experiments_key_unique')
    return new ConflictError(`Experiment key "${def.key}" is already taken`, undefined, undefined, 'KEY_TAKEN');
  return new ConflictError(`Experiment name "${def.name}" is already taken`, undefined, undefined, 'NAME_TAKEN');
}

@Injectable()
export class ExperimentsService {
  constructor(
    private readonly store: ExperimentStore,
    private readonly writes: WriteAndPublish,
    private readonly outbox: WebhookOutbox,
  ) {}

  async create(dto: CreateExperimentDto, actor: Actor): Promise<ExperimentEntity> {
    const def = definitionFromCreate(dto);
    const problems = definitionProblems(def);
    if (problems.length > 0) throw InvalidInputError.fromProblems(problems);
    try {
      return await this.writes.run(async (write) => {
        const now = new Date();
        const inserted = await this.store.insert(write.tx, { ...def, status: 'draft', winner: null, createdAt: now, updatedAt: now });
        await this.store.appendHistory(write.tx, inserted.id, { action: 'created', from: null, to: 'draft', changes: null, actor });
        write.publish({ entity: 'experiment', id: inserted.id });
        return inserted;
      });
    } catch (error) {
      throw uniqueConflict(error, def) ?? error;
    }
  }

  async list(query: ListExperimentsQuery): Promise<Page<ExperimentEntity>> {
    return this.store.page(query);
  }

  async get(idOrKey: string): Promise<ExperimentEntity> {
    const experiment = await this.store.find(idOrKey);
    if (!experiment) throw NotFoundError.experiment(idOrKey);
    return experiment;
  }

  async update(idOrKey: string, dto: UpdateExperimentDto, actor: Actor): Promise<ExperimentEntity> {
    let next: ExperimentDefinition | null = null;
    try {
      return await this.mutate(idOrKey, async ({ tx }, experiment) => {
        if (dto.key !== undefined && dto.key !== experiment.key) {
          throw InvalidInputError.fromProblems([{ field: 'key', problem: 'is immutable once the experiment exists' }]);
        }
        const before = definitionOf(experiment);
        next = applyUpdate(before, dto);
        const problems = definitionProblems(next);
        if (problems.length > 0) throw InvalidInputError.fromProblems(problems);
        const forbidden = forbiddenChange(experiment.status, before, next);
        if (forbidden) throw new ConflictError(forbidden, undefined, { status: experiment.status }, 'CHANGE_NOT_ALLOWED');
        const changes = diffDefinitions(before, next);
        if (Object.keys(changes).length === 0) return experiment;
        Object.assign(experiment, next, { updatedAt: new Date() });
        await this.store.save(tx, experiment);
        await this.store.appendHistory(tx, experiment.id, {
          action: 'updated',
          from: experiment.status,
          to: experiment.status,
          changes,
          actor,
        });
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
    const closed = await this.mutate(idOrKey, async ({ tx }, experiment) => {
      if (experiment.status === 'running') {
        throw new ConflictError(
          `Experiment ${experiment.key} is running: pause or complete it before deleting`,
          undefined,
          { status: experiment.status },
          'EXPERIMENT_RUNNING',
        );
      }
      // Closed first (nothing enrols or records any more), its rows purged in short batches outside any
      // transaction, then the row itself deleted: a large experiment never stalls other experiments' inserts.
      if (experiment.status !== 'completed') await this.store.close(tx, experiment.id);
      return experiment;
    });
    await this.store.purgeRows(closed.id);
    await this.mutate(closed.id, async ({ tx }, experiment) => {
      await this.store.delete(tx, experiment.id);
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
    const rows = await this.store.historyOf(experiment.id);
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
    return this.mutate(idOrKey, async (write, experiment) => {
      const from = experiment.status;
      if (action === undefined ? !canTransition(from, to) : !canApply(from, action)) {
        throw new ConflictError(
          `cannot go from ${from} to ${to}`,
          undefined,
          { status: from, allowed: allowedTransitions(from) },
          'ILLEGAL_TRANSITION',
        );
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
      const recorded = actionName(from, to);
      await this.store.save(write.tx, experiment);
      await this.store.appendHistory(write.tx, experiment.id, {
        action: recorded,
        from,
        to,
        changes: winner !== undefined ? { winner: { from: null, to: winner } } : null,
        actor,
      });
      const type = `experiment.${recorded}` as ExperimentEventType;
      const details = to === 'completed' ? { winner: experiment.winner, actor } : { actor };
      await this.outbox.enqueue(write.tx, experimentEvent(type, toExperimentResponse(experiment), details, now));
      return experiment;
    });
  }

  /** Loads the experiment under a row lock and applies `change` through the write-and-publish path. */
  private async mutate(
    idOrKey: string,
    change: (write: Write, experiment: ExperimentEntity) => Promise<ExperimentEntity>,
  ): Promise<ExperimentEntity> {
    return this.writes.run(async (write) => {
      const experiment = await this.store.find(idOrKey, { tx: write.tx, lock: true });
      if (!experiment) throw NotFoundError.experiment(idOrKey);
      const changed = await change(write, experiment);
      write.publish({ entity: 'experiment', id: experiment.id });
      return changed;
    });
  }
}
