import * as net from 'node:net';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { CHANGE_CHANNEL, ChangeFeedService, ChangeMessage } from '../../src/database/change-feed.service';
import { createTestDatabase } from '../support/test-database';

/**
 * A TCP relay to PostgreSQL that can go silent: bytes stop flowing both ways on the connections open
 * at that moment, but nothing is closed (what a NAT or firewall that forgets a connection does).
 */
class FreezableRelay {
  private readonly server: net.Server;
  private readonly frozen = new Set<net.Socket>();
  private readonly open = new Set<net.Socket>();

  constructor(target: { host: string; port: number }) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host);
      this.open.add(client);
      const relay = (from: net.Socket, to: net.Socket) =>
        from.on('data', (chunk: Buffer) => {
          if (!this.frozen.has(client)) to.write(chunk);
        });
      relay(client, upstream);
      relay(upstream, client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.open.delete(client);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as net.AddressInfo).port)));
  }

  freezeAll(): void {
    for (const socket of this.open) this.frozen.add(socket);
  }

  close(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('ChangeFeedService on a silently dead LISTEN connection (issue 13)', () => {
  it('should notice it within the liveness timeout, reconnect, resync and deliver notifications again', async () => {
    const database = await createTestDatabase();
    const target = new URL(database.url);
    const relay = new FreezableRelay({ host: target.hostname, port: Number(target.port || 5432) });
    const relayUrl = new URL(database.url);
    relayUrl.hostname = '127.0.0.1';
    relayUrl.port = String(await relay.listen());
    const feed = new ChangeFeedService(relayUrl.toString(), null as unknown as DataSource);
    feed.livenessIntervalMs = 200;
    feed.livenessTimeoutMs = 500;
    const seen: (ChangeMessage | 'resync')[] = [];
    feed.subscribe((change) => seen.push(change));
    const direct = new Client({ connectionString: database.url });
    try {
      await feed.onModuleInit();
      await direct.connect();
      const notify = (id: string) =>
        direct.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, JSON.stringify({ entity: 'experiment', id })]);
      const arrived = async (id: string, ms: number) => {
        const until = Date.now() + ms;
        while (Date.now() < until) {
          if (seen.some((c) => c !== 'resync' && c.id === id)) return true;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return false;
      };
      await notify('before');
      expect(await arrived('before', 5000)).toBe(true);

      relay.freezeAll();
      const resyncs = seen.filter((c) => c === 'resync').length;
      await notify('lost');
      // Sent after the freeze: on the old connection it never arrives; the feed must reconnect on its own.
      const until = Date.now() + 10_000;
      while (feed.connections < 2 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(feed.connections).toBe(2);
      expect(seen.filter((c) => c === 'resync').length).toBeGreaterThan(resyncs);
      await notify('after');
      expect(await arrived('after', 5000)).toBe(true);
    } finally {
      await direct.end();
      await feed.onApplicationShutdown();
      await relay.close();
      await database.drop();
    }
  }, 30_000);
});
