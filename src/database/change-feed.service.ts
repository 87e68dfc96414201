import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client, QueryConfig } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { KEEPALIVE } from './data-source';
import { DATABASE_URL } from './database.tokens';

export const CHANGE_CHANNEL = 'experimentation_changes';

export interface ChangeMessage {
  entity: 'experiment' | 'rollout' | 'alert';
  id: string;
}

type Listener = (change: ChangeMessage | 'resync') => void;

const RECONNECT_DELAY_MS = 1000;
/** How often the LISTEN connection proves it is alive, and how long the proof may take. */
export const LIVENESS_INTERVAL_MS = 15_000;
export const LIVENESS_TIMEOUT_MS = 5_000;

/**
 * Cross-replica cache invalidation with PostgreSQL LISTEN/NOTIFY. Writers call `publish` inside their
 * transaction, so the notification is delivered on commit, to every replica including this one.
 * After a lost connection listeners get 'resync': notifications may have been missed, drop everything.
 * A connection can also die silently (a NAT or firewall forgets it; no FIN, no RST): TCP keepalive
 * and a `SELECT 1` every LIVENESS_INTERVAL_MS that must answer within LIVENESS_TIMEOUT_MS find it,
 * and the feed reconnects (and resyncs) instead of leaving caches and SSE stale for ever.
 */
@Injectable()
export class ChangeFeedService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ChangeFeedService.name);
  private readonly listeners = new Set<Listener>();
  private client: Client | null = null;
  private closing = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private livenessTimer: NodeJS.Timeout | null = null;
  /** Tests shorten these before init. */
  livenessIntervalMs = LIVENESS_INTERVAL_MS;
  livenessTimeoutMs = LIVENESS_TIMEOUT_MS;
  /** Connections made so far (1 after a clean start); tests watch it grow after a silent death. */
  connections = 0;

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
    if (this.livenessTimer) clearInterval(this.livenessTimer);
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
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 5000, ...KEEPALIVE });
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
      this.connections++;
      this.watch(client);
      // Anything cached before this point may have changed unseen.
      this.emit('resync');
    } catch (error) {
      this.logger.warn(`change feed: cannot listen (${(error as Error).message}); retrying`);
      this.scheduleReconnect(client);
    }
  }

  private watch(client: Client): void {
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    let pending = false;
    this.livenessTimer = setInterval(() => {
      if (pending || this.client !== client) return;
      pending = true;
      // pg reads a per-query query_timeout (not in its typings): a silent socket fails it.
      const probe: QueryConfig & { query_timeout: number } = { text: 'SELECT 1', query_timeout: this.livenessTimeoutMs };
      client
        .query(probe)
        .catch((error: Error) => {
          if (this.client !== client) return;
          this.logger.warn(`change feed: the LISTEN connection did not answer (${error.message}); reconnecting`);
          this.scheduleReconnect(client);
        })
        .finally(() => (pending = false));
    }, this.livenessIntervalMs);
    this.livenessTimer.unref();
  }

  private scheduleReconnect(client: Client): void {
    if (this.closing || this.reconnectTimer) return;
    if (this.client === client) this.client = null;
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    this.livenessTimer = null;
    client.end().catch(() => undefined);
    this.emit('resync');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, RECONNECT_DELAY_MS);
    this.reconnectTimer.unref();
  }
}
