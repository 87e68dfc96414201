import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { DATABASE_URL } from './database.tokens';

export const CHANGE_CHANNEL = 'experimentation_changes';

export interface ChangeMessage {
  entity: 'experiment' | 'rollout' | 'alert';
  id: string;
}

type Listener = (change: ChangeMessage | 'resync') => void;

const RECONNECT_DELAY_MS = 1000;

/**
 * Cross-replica cache invalidation with PostgreSQL LISTEN/NOTIFY. Writers call `publish` inside their
 * transaction, so the notification is delivered on commit, to every replica including this one.
 * After a lost connection listeners get 'resync': notifications may have been missed, drop everything.
 */
@Injectable()
export class ChangeFeedService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ChangeFeedService.name);
  private readonly listeners = new Set<Listener>();
  private client: Client | null = null;
  private closing = false;
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(DATABASE_URL) private readonly url: string,
    private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends the change on commit of `manager`'s transaction (or at once without one). */
  async publish(change: ChangeMessage, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, JSON.stringify(change)]);
  }

  /** Tells this process's listeners at once, without waiting for the round trip through PostgreSQL. */
  notifyLocally(change: ChangeMessage): void {
    this.emit(change);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }

  private emit(change: ChangeMessage | 'resync'): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger.error({ err: error }, 'change listener failed');
      }
    }
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 5000 });
    client.on('notification', (message) => {
      if (message.channel !== CHANGE_CHANNEL || !message.payload) return;
      try {
        this.emit(JSON.parse(message.payload) as ChangeMessage);
      } catch {
        this.emit('resync');
      }
    });
    client.on('error', () => this.scheduleReconnect(client));
    client.on('end', () => this.scheduleReconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
      this.client = client;
      // Anything cached before this point may have changed unseen.
      this.emit('resync');
    } catch (error) {
      this.logger.warn(`change feed: cannot listen (${(error as Error).message}); retrying`);
      this.scheduleReconnect(client);
    }
  }

  private scheduleReconnect(client: Client): void {
    if (this.closing || this.reconnectTimer) return;
    if (this.client === client) this.client = null;
    client.end().catch(() => undefined);
    this.emit('resync');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, RECONNECT_DELAY_MS);
    this.reconnectTimer.unref();
  }
}
