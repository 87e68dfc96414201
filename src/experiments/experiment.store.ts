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
