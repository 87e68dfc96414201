import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import { ServiceUnavailableError } from '../common/errors';
import { SdkService } from './sdk.service';

const HEARTBEAT_MS = 15_000;
// A write notifies this replica twice (at once, and again through PostgreSQL): one check per burst.
const COALESCE_MS = 100;
const RETRY_MS = 3000;

/**
 * `GET /api/v1/sdk/stream`: tells SDKs the definitions' ETag whenever it changes (and once on
 * connect), so they refetch with `If-None-Match` at once instead of at their next poll. Driven by
 * the change feed, so a change on any replica reaches streams on every replica.
 */
@Injectable()
export class SdkStreamService implements OnModuleDestroy {
  private readonly logger = new Logger(SdkStreamService.name);
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private pending: NodeJS.Timeout | null = null;
  private lastEtag: string | null = null;
  private closing = false;

  constructor(private readonly sdk: SdkService) {
    this.unsubscribe = sdk.onChange(() => this.schedule());
    this.heartbeat = setInterval(() => this.broadcast(': heartbeat\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async open(reply: FastifyReply): Promise<void> {
    if (this.closing) throw new ServiceUnavailableError('Shutting down: reconnect to another replica');
    // Before hijacking: a database failure here is still an ordinary error response.
    const { etag } = await this.sdk.definitions();
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: ${RETRY_MS}\n${event(etag)}`);
    this.clients.add(raw);
    const cleanup = (): void => {
      this.clients.delete(raw);
    };
    raw.on('close', cleanup);
    raw.on('error', cleanup);
  }

  onModuleDestroy(): void {
    this.closing = true;
    this.unsubscribe();
    clearInterval(this.heartbeat);
    if (this.pending) clearTimeout(this.pending);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private schedule(): void {
    if (this.clients.size === 0 || this.closing || this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      this.sdk.definitions().then(
        ({ etag }) => {
          if (etag === this.lastEtag) return;
          this.lastEtag = etag;
          this.broadcast(event(etag));
        },
        (error: Error) => this.logger.warn(`sdk stream: definitions could not be built (${error.message})`),
      );
    }, COALESCE_MS);
    this.pending.unref();
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

function event(etag: string): string {
  return `event: definitions\ndata: ${JSON.stringify({ etag })}\n\n`;
}
