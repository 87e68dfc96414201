import { Injectable, Logger } from '@nestjs/common';
import { ConflictError, NotFoundError } from '../common/errors';
import { Page } from '../common/pagination';
import { Write, WriteAndPublish } from '../database/write-and-publish';
import { alertEvent } from '../webhooks/webhook-events';
import { WebhookOutbox } from '../webhooks/webhook-outbox.service';
import type { ListAlertsQuery } from './dto/list-alerts.query';
import { AlertEntity } from './alert.entity';
import type { AlertStatus, RaiseAlert } from './alert.model';
import { toAlertResponse } from './alert.response';
import { AlertStore } from './alert.store';

const MAX_MESSAGE_LENGTH = 4000;

export interface RaisedAlert {
  alert: AlertEntity;
  /** false when an unresolved alert of that kind for that subject already existed (returned instead). */
  raised: boolean;
}

/**
 * Alerts for people (§7): automatic rollbacks now, SRM and guardrail failures from the results code.
 * `raise` and `resolveOpen` take the caller's write, so an alert exists exactly when the change that
 * caused it committed; every change of an alert is published (SSE, other replicas) on commit.
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger(AlertsService.name);

  constructor(
    private readonly store: AlertStore,
    private readonly writes: WriteAndPublish,
    private readonly outbox: WebhookOutbox,
  ) {}

  /** Raises in the caller's write, or in a write of its own without one. */
  async raise(input: RaiseAlert, write?: Write): Promise<RaisedAlert> {
    if (!write) return this.writes.run((own) => this.raise(input, own));
    const message = input.message.length > MAX_MESSAGE_LENGTH ? `${input.message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : input.message;
    // Two rounds: the unresolved alert that blocked the insert may be resolved before we read it.
    for (let attempt = 0; attempt < 2; attempt++) {
      const id = await this.store.insertUnlessUnresolved(write.tx, { ...input, message });
      if (id !== null) {
        write.publish({ entity: 'alert', id });
        write.afterCommit(() =>
          this.logger.warn(`alert raised: ${input.kind} (${input.severity}) for ${input.subjectType} ${input.subjectId}: ${message}`),
        );
        const alert = await this.store.find(id, { tx: write.tx });
        if (!alert) throw new Error(`alert ${id} vanished in its own transaction`);
        await this.outbox.enqueue(write.tx, alertEvent('alert.raised', toAlertResponse(alert)));
        return { alert, raised: true };
      }
      const existing = await this.store.unresolved(write.tx, input);
      if (existing) return { alert: existing, raised: false };
    }
    throw new Error(`alert ${input.kind} for ${input.subjectType} ${input.subjectId}: neither raised nor found`);
  }

  /**
   * Resolves the unresolved alert of a kind for a subject, if any (its condition cleared), in the
   * caller's write; returns how many were resolved (0 or 1).
   */
  async resolveOpen(input: Pick<RaiseAlert, 'kind' | 'subjectType' | 'subjectId'>, at: Date, write?: Write): Promise<number> {
    if (!write) return this.writes.run((own) => this.resolveOpen(input, at, own));
    const ids = await this.store.resolveOpen(write.tx, input, at);
    for (const id of ids) {
      write.publish({ entity: 'alert', id });
      const alert = await this.store.find(id, { tx: write.tx });
      if (alert) await this.outbox.enqueue(write.tx, alertEvent('alert.resolved', toAlertResponse(alert)));
    }
    return ids.length;
  }

  async list(query: ListAlertsQuery): Promise<Page<AlertEntity>> {
    return this.store.page(query);
  }

  async get(id: string): Promise<AlertEntity> {
    const alert = await this.store.find(id);
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
    return this.writes.run(async (write) => {
      const alert = await this.store.find(id, { tx: write.tx, lock: true });
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
      await this.store.save(write.tx, alert);
      write.publish({ entity: 'alert', id: alert.id });
      if (to === 'resolved') await this.outbox.enqueue(write.tx, alertEvent('alert.resolved', toAlertResponse(alert)));
      return alert;
    });
  }
}
