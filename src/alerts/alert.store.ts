import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { isUuid } from '../common/ids';
import { Page } from '../common/pagination';
import { AlertEntity } from './alert.entity';
import type { AlertStatus, RaiseAlert } from './alert.model';

// The partial unique index alerts_unresolved_unique makes "one unresolved alert per kind and subject" race-free.
const RAISE_SQL = `
  INSERT INTO alerts (kind, severity, subject_type, subject_id, message)
  VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (kind, subject_type, subject_id) WHERE status IN ('open', 'acknowledged') DO NOTHING
  RETURNING id`;

const RESOLVE_OPEN_SQL = `
  UPDATE alerts SET status = 'resolved', resolved_at = $4, acknowledged_at = coalesce(acknowledged_at, $4)
   WHERE kind = $1 AND subject_type = $2 AND subject_id = $3 AND status IN ('open', 'acknowledged')
   RETURNING id`;

/** Every query of the alerts feature. Methods that take `tx` run in the caller's transaction. */
@Injectable()
export class AlertStore {
  constructor(@InjectRepository(AlertEntity) private readonly alerts: Repository<AlertEntity>) {}

  /** Inserts the alert unless an unresolved one of its kind exists for its subject; the new id, or null. */
  async insertUnlessUnresolved(tx: EntityManager, input: RaiseAlert): Promise<string | null> {
    const rows: Array<{ id: string }> = await tx.query(RAISE_SQL, [
      input.kind,
      input.severity,
      input.subjectType,
      input.subjectId,
      input.message,
    ]);
    return rows[0]?.id ?? null;
  }

  async unresolved(tx: EntityManager, input: Pick<RaiseAlert, 'kind' | 'subjectType' | 'subjectId'>): Promise<AlertEntity | null> {
    return tx
      .withRepository(this.alerts)
      .createQueryBuilder('a')
      .where('a.kind = :kind AND a.subject_type = :subjectType AND a.subject_id = :subjectId', input)
      .andWhere(`a.status IN ('open', 'acknowledged')`)
      .getOne();
  }

  /** Resolves the unresolved alert of a kind for a subject; the ids resolved (0 or 1). */
  async resolveOpen(tx: EntityManager, input: Pick<RaiseAlert, 'kind' | 'subjectType' | 'subjectId'>, at: Date): Promise<string[]> {
    const rows = (await tx.query(RESOLVE_OPEN_SQL, [input.kind, input.subjectType, input.subjectId, at])) as [
      Array<{ id: string }>,
      number,
    ];
    return rows[0].map((row) => row.id);
  }

  async page(query: { status?: AlertStatus; limit?: number; offset?: number }): Promise<Page<AlertEntity>> {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const [items, total] = await this.alerts.findAndCount({
      where: query.status ? { status: query.status } : {},
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
      skip: offset,
    });
    return { items, total, limit, offset };
  }

  /** The alert, or null for an unknown or malformed id; `lock` takes its row lock until `tx` ends. */
  async find(id: string, options: { tx?: EntityManager; lock?: boolean } = {}): Promise<AlertEntity | null> {
    if (!isUuid(id)) return null;
    return this.repo(options.tx).findOne({
      where: { id: id.toLowerCase() },
      ...(options.lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  async save(tx: EntityManager, alert: AlertEntity): Promise<AlertEntity> {
    return this.repo(tx).save(alert);
  }

  private repo(tx?: EntityManager): Repository<AlertEntity> {
    return tx ? tx.withRepository(this.alerts) : this.alerts;
  }
}
