import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Actor } from '../common/auth/access.decorator';
import { isUuid } from '../common/ids';
import { Page } from '../common/pagination';
import { ExperimentHistoryEntity } from './experiment-history.entity';
import type { ExperimentStatus } from './experiment.model';
import { ExperimentEntity } from './experiment.entity';

/** The big per-experiment tables (none references another, so any order works). */
const PURGED_TABLES = ['events', 'event_user_totals', 'assignments'] as const;
export const PURGE_BATCH_ROWS = 5000;

export interface ExperimentHistoryRow {
  action: string;
  from: ExperimentStatus | null;
  to: ExperimentStatus | null;
  changes: Record<string, { from: unknown; to: unknown }> | null;
  actor: Actor;
}

/**
 * Every query of the experiments feature: experiments and their history, through their entities.
 * Methods that take `tx` run in the caller's transaction (WriteAndPublish); the others on their own.
 */
@Injectable()
export class ExperimentStore {
  constructor(
    @InjectRepository(ExperimentEntity) private readonly experiments: Repository<ExperimentEntity>,
    @InjectRepository(ExperimentHistoryEntity) private readonly history: Repository<ExperimentHistoryEntity>,
  ) {}

  /**
   * Finds an experiment by `:idOrKey`. Ids are UUIDs and keys are slugs; a non-UUID value is only
   * compared with keys, so it never reaches PostgreSQL as an invalid uuid. A key that happens to look
   * like another experiment's id loses to that id. `lock` takes the row lock until `tx` ends.
   */
  async find(idOrKey: string, options: { tx?: EntityManager; lock?: boolean } = {}): Promise<ExperimentEntity | null> {
    const query = this.repo(options.tx).createQueryBuilder('e');
    if (isUuid(idOrKey)) {
      query.where('e.id = :id OR e.key = :key', { id: idOrKey.toLowerCase(), key: idOrKey });
    } else {
      query.where('e.key = :key', { key: idOrKey });
    }
    if (options.lock) query.setLock('pessimistic_write');
    const found = await query.getMany();
    return found.find((e) => e.id === idOrKey.toLowerCase()) ?? found[0] ?? null;
  }

  /**
   * Resolves many `:idOrKey` references with ONE query (the same precedence as find: an id match wins
   * over a key match). References that match nothing are absent from the map.
   */
  async findMany(refs: readonly string[]): Promise<Map<string, ExperimentEntity>> {
    const found = new Map<string, ExperimentEntity>();
    if (refs.length === 0) return found;
    const ids = [...new Set(refs.filter(isUuid).map((ref) => ref.toLowerCase()))];
    const query = this.experiments.createQueryBuilder('e').where('e.key IN (:...keys)', { keys: [...new Set(refs)] });
    if (ids.length > 0) query.orWhere('e.id IN (:...ids)', { ids });
    const rows = await query.getMany();
    const byId = new Map(rows.map((e) => [e.id, e]));
    const byKey = new Map(rows.map((e) => [e.key, e]));
    for (const ref of refs) {
      const experiment = (isUuid(ref) ? byId.get(ref.toLowerCase()) : undefined) ?? byKey.get(ref);
      if (experiment) found.set(ref, experiment);
    }
    return found;
  }

  async page(query: { status?: ExperimentStatus; limit?: number; offset?: number }): Promise<Page<ExperimentEntity>> {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const [items, total] = await this.experiments.findAndCount({
      where: query.status ? { status: query.status } : {},
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
      skip: offset,
    });
    return { items, total, limit, offset };
  }

  async running(): Promise<ExperimentEntity[]> {
    return this.experiments.find({ where: { status: 'running' }, order: { createdAt: 'ASC' } });
  }

  async insert(tx: EntityManager, experiment: Partial<ExperimentEntity>): Promise<ExperimentEntity> {
    const repo = this.repo(tx);
    return repo.save(repo.create(experiment));
  }

  async save(tx: EntityManager, experiment: ExperimentEntity): Promise<ExperimentEntity> {
    return this.repo(tx).save(experiment);
  }

  /**
   * Deletes an experiment's rows in short statements of `batchRows` each (each its own implicit
   * transaction, outside any write), so deleting a 10M-event experiment never holds a lock on its
   * experiment row for minutes: the shared insert statements of other experiments (which take KEY
   * SHARE locks on every experiment row they reference) are never stalled behind it. Returns the rows deleted.
   */
  async purgeRows(experimentId: string, batchRows = PURGE_BATCH_ROWS): Promise<number> {
    let total = 0;
    for (const table of PURGED_TABLES) {
      for (;;) {
        const [, deleted] = (await this.experiments.manager.query(
          `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE experiment_id = $1 LIMIT $2))`,
          [experimentId, batchRows],
        )) as [unknown, number];
        total += deleted;
        if (deleted < batchRows) break;
      }
    }
    return total;
  }

  /** Marks an experiment completed without history (the first step of a delete: nothing new enrols or records). */
  async close(tx: EntityManager, id: string): Promise<void> {
    await this.repo(tx).update({ id }, { status: 'completed' });
  }

  async delete(tx: EntityManager, id: string): Promise<void> {
    await this.repo(tx).delete({ id });
  }

  /** One history row; `at` is the database's now() (the column default), as it always was. */
  async appendHistory(tx: EntityManager, experimentId: string, entry: ExperimentHistoryRow): Promise<void> {
    const row: Omit<ExperimentHistoryEntity, 'id' | 'at'> = {
      experimentId,
      action: entry.action,
      fromStatus: entry.from,
      toStatus: entry.to,
      changes: entry.changes,
      actor: entry.actor,
    };
    await tx.withRepository(this.history).insert(row as QueryDeepPartialEntity<ExperimentHistoryEntity>);
  }

  async historyOf(experimentId: string): Promise<ExperimentHistoryEntity[]> {
    return this.history.find({ where: { experimentId }, order: { at: 'ASC', id: 'ASC' } });
  }

  private repo(tx?: EntityManager): Repository<ExperimentEntity> {
    return tx ? tx.withRepository(this.experiments) : this.experiments;
  }
}
