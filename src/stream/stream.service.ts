import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { toAlertResponse } from '../alerts/alert.response';
import { AlertsService } from '../alerts/alerts.service';
import { ServiceUnavailableError } from '../common/errors';
import { ChangeFeedService, ChangeMessage } from '../database/change-feed.service';

const HEARTBEAT_MS = 15_000;
// A write notifies this replica twice (at once, and again through PostgreSQL): one event per burst is enough.
const COALESCE_MS = 150;
// EventSource reconnects after this long when the stream drops.
const RETRY_MS = 3000;

const EVENT_NAME: Record<ChangeMessage['entity'], string> = {
  experiment: 'experiment.changed',
  rollout: 'rollout.changed',
  alert: 'alert.raised',
};

/**
 * Server-Sent Events for the dashboard (§7). Driven by the change feed (PostgreSQL NOTIFY), so a
 * change made on any replica reaches streams open on every replica. Events carry ids, not
 * snapshots (the dashboard refetches what it shows), except `alert.raised`, which carries the alert.
 * After a change-feed reconnect a `resync` event says "refetch everything".
 */
@Injectable()
export class StreamService implements OnModuleDestroy {
  private readonly logger = new Logger(StreamService.name);
  private readonly clients = new Set<ServerResponse>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private closing = false;

  constructor(
    changes: ChangeFeedService,
    private readonly alerts: AlertsService,
  ) {
    this.unsubscribe = changes.subscribe((change) => this.onChange(change));
    this.heartbeat = setInterval(() => this.broadcast(': heartbeat\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get openStreams(): number {
    return this.clients.size;
  }

  open(request: FastifyRequest, reply: FastifyReply): void {
    if (this.closing) throw new ServiceUnavailableError('Shutting down: reconnect to another replica');
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: ${RETRY_MS}\n: connected\n\n`);
    this.clients.add(raw);
    const cleanup = (): void => {
      this.clients.delete(raw);
    };
    request.raw.on('close', cleanup);
    raw.on('close', cleanup);
    raw.on('error', cleanup);
  }

  /** Ends every stream so the HTTP server can close (open streams would otherwise keep app.close() waiting). */
  onModuleDestroy(): void {
    this.closing = true;
    this.unsubscribe();
    clearInterval(this.heartbeat);
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private onChange(change: ChangeMessage | 'resync'): void {
    if (this.clients.size === 0 || this.closing) return;
    if (change === 'resync') {
      this.send('resync', { at: new Date().toISOString() });
      return;
    }
    if (change.entity === 'alert') {
      void this.sendAlert(change.id);
      return;
    }
    const key = `${change.entity}:${change.id}`;
    if (this.pending.has(key)) return;
    const timer = setTimeout(() => {
      this.pending.delete(key);
      this.send(EVENT_NAME[change.entity], { id: change.id, at: new Date().toISOString() });
    }, COALESCE_MS);
    timer.unref();
    this.pending.set(key, timer);
  }

  private async sendAlert(id: string): Promise<void> {
    try {
      const alert = await this.alerts.get(id);
      this.send(EVENT_NAME.alert, { id, at: new Date().toISOString(), alert: toAlertResponse(alert) });
    } catch (error) {
      this.logger.warn(`stream: alert ${id} could not be loaded (${(error as Error).message}); sending its id only`);
      this.send(EVENT_NAME.alert, { id, at: new Date().toISOString() });
    }
  }

  private send(event: string, data: Record<string, unknown>): void {
    this.broadcast(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private broadcast(chunk: string): void {
    for (const client of this.clients) {
      if (client.writableEnded || client.destroyed) {
        this.clients.delete(client);
        continue;
      }
      client.write(chunk);
    }
  }
}
