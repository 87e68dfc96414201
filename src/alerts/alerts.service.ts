import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, NotFoundError } from '../common/errors';
import { Page } from '../common/pagination';
import { ChangeFeedService } from '../database/change-feed.service';
import { isUuid } from '../common/ids';
import type { ListAlertsQuery } from './dto/list-alerts.query';
import { AlertEntity } from './alert.entity';
import type { AlertStatus, RaiseAlert } from './alert.model';

const MAX_MESSAGE_LENGTH = 4000;

// The partial unique index alerts_unresolved_unique makes "one unresolved alert per kind and subject" race-free.
const RAISE_SQL = `
  INSERT INTO alerts (kind, severity, subject_type, subject_id, message)
  VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (kind, subject_type, subject_id) WHERE status IN ('open', 'acknowledged') DO NOTHING
  RETURNING id`;

export interface RaisedAlert {
  alert: AlertEntity;
  /** false when an unresolved alert of that kind for that subject already existed (returned instead). */
  raised: boolean;
}

/**
 * Alerts for people (§7): automatic rollbacks now, SRM and guardrail failures from the results code.
 * `raise` takes the caller's transaction, so an alert exists exactly when the change that caused it
 * committed; the stream hears of it through the change feed on commit.
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger(AlertsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly changes: ChangeFeedService,
  ) {}

  async raise(input: RaiseAlert, manager: EntityManager = this.dataSource.manager): Promise<RaisedAlert> {
    const message = input.message.length > MAX_MESSAGE_LENGTH ? `${input.message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : input.message;
    const params = [input.kind, input.severity, input.subjectType, input.subjectId, message];
    // Two rounds: the unresolved alert that blocked the insert may be resolved before we read it.
    for (let attempt = 0; attempt < 2; attempt++) {
      const rows: Array<{ id: string }> = await manager.query(RAISE_SQL, params);
      if (rows.length > 0) {
        await this.changes.publish({ entity: 'alert', id: rows[0].id }, manager);
        this.logger.warn(`alert raised: ${input.kind} (${input.severity}) for ${input.subjectType} ${input.subjectId}: ${message}`);
        return { alert: await manager.findOneByOrFail(AlertEntity, { id: rows[0].id }), raised: true };
      }
      const existing = await manager
        .createQueryBuilder(AlertEntity, 'a')
        .where('a.kind = :kind AND a.subject_type = :subjectType AND a.subject_id = :subjectId', input)
        .andWhere(`a.status IN ('open', 'acknowledged')`)
        .getOne();
      if (existing) return { alert: existing, raised: false };
    }
    throw new Error(`alert ${input.kind} for ${input.subjectType} ${input.subjectId}: neither raised nor found`);
  }

  /**
   * Resolves the unresolved alert of a kind for a subject, if any (its condition cleared), in the
   * caller's transaction; returns how many were resolved (0 or 1).
   */
  async resolveOpen(
    input: Pick<RaiseAlert, 'kind' | 'subjectType' | 'subjectId'>,
    at: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<number> {
    const rows: Array<{ id: string }> = await manager.query(
      `UPDATE alerts SET status = 'resolved', resolved_at = $4, acknowledged_at = coalesce(acknowledged_at, $4)
        WHERE kind = $1 AND subject_type = $2 AND subject_id = $3 AND status IN ('open', 'acknowledged')
        RETURNING id`,
      [input.kind, input.subjectType, input.subjectId, at],
    );
    for (const row of rows) await this.changes.publish({ entity: 'alert', id: row.id }, manager);
    return rows.length;
  }

  async list(query: ListAlertsQuery): Promise<Page<AlertEntity>> {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const [items, total] = await this.dataSource.manager.findAndCount(AlertEntity, {
      where: query.status ? { status: query.status } : {},
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
      skip: offset,
    });
    return { items, total, limit, offset };
  }

  async get(id: string): Promise<AlertEntity> {
    const alert = isUuid(id) ? await this.dataSource.manager.findOneBy(AlertEntity, { id: id.toLowerCase() }) : null;
    if (!alert) throw NotFoundError.alert(id);
    return alert;
  }

  /** open → acknowledged; acknowledging twice is a no-op; a resolved alert stays resolved (409). */
  async acknowledge(id: string): Promise<AlertEntity> {
    return this.move(id, 'acknowledged');
  }

  /** open | acknowledged → resolved; resolving twice is a no-op. */
  async resolve(id: string): Promise<AlertEntity> {
    return this.move(id, 'resolved');
  }

  private async move(id: string, to: Exclude<AlertStatus, 'open'>): Promise<AlertEntity> {
    return this.dataSource.transaction(async (manager) => {
      const alert = isUuid(id)
        ? await manager.findOne(AlertEntity, { where: { id: id.toLowerCase() }, lock: { mode: 'pessimistic_write' } })
        : null;
      if (!alert) throw NotFoundError.alert(id);
      if (alert.status === to) return alert;
      if (alert.status === 'resolved') {
        throw new ConflictError(
          `Alert ${alert.id} is resolved and cannot be acknowledged`,
          undefined,
          { status: alert.status, allowed: [] },
          'ILLEGAL_TRANSITION',
        );
      }
      const now = new Date();
      alert.status = to;
      if (to === 'acknowledged') alert.acknowledgedAt = now;
      if (to === 'resolved') {
        alert.resolvedAt = now;
        alert.acknowledgedAt ??= now;
      }
      await manager.save(alert);
      return alert;
    });
  }
}
