import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ChangeFeedService, ChangeMessage } from './change-feed.service';

/**
 * What a feature's write gets from `WriteAndPublish.run`: the transaction, and the two ways of
 * telling others about the change. Everything written through `tx` (the change, its history rows,
 * its webhook deliveries) commits or rolls back together.
 */
export interface Write {
  readonly tx: EntityManager;
  /** Announces a change of one subject: NOTIFY inside the transaction (every replica hears it on commit), local listeners after commit. */
  publish(change: ChangeMessage): void;
  /** A side effect outside the database (metrics, logs) that must only happen once the change committed. */
  afterCommit(effect: () => void): void;
}

/**
 * The one write-and-publish path (docs/architecture.md). Every mutation of an experiment, rollout or
 * alert runs in `run`: the feature's store writes the change and its history in `write.tx`, enqueues
 * its webhooks there, and calls `write.publish`; the published changes are NOTIFYed at the end of the
 * transaction (so other replicas and their SSE streams hear of them exactly when it commits) and told
 * to this process's listeners (caches, SSE) right after the commit, without waiting for the round trip.
 * A write that throws rolls back and announces nothing.
 */
@Injectable()
export class WriteAndPublish {
  private readonly logger = new Logger(WriteAndPublish.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly changes: ChangeFeedService,
  ) {}

  async run<T>(work: (write: Write) => Promise<T>): Promise<T> {
    const published = new Map<string, ChangeMessage>();
    const effects: Array<() => void> = [];
    const result = await this.dataSource.transaction(async (tx) => {
      const write: Write = {
        tx,
        publish: (change) => void published.set(`${change.entity}:${change.id}`, { entity: change.entity, id: change.id }),
        afterCommit: (effect) => void effects.push(effect),
      };
      const value = await work(write);
      for (const change of published.values()) await this.changes.publish(change, tx);
      return value;
    });
    for (const change of published.values()) this.changes.notifyLocally(change);
    for (const effect of effects) {
      try {
        effect();
      } catch (error) {
        this.logger.error({ err: error }, 'after-commit effect failed');
      }
    }
    return result;
  }
}
