import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ExperimentationClient } from '../../sdk/src/client';
import { asAdmin, asClient, TestApp } from '../support/test-app';
import { waitFor } from './rollouts-support';

/** Helpers shared by the SDK e2e specs (not a spec itself). */

export async function listen(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export interface ExperimentSpec {
  key: string;
  hashSeed: string;
  weights: number[];
  trafficAllocation: number;
}

export async function createExperiment(t: TestApp, spec: ExperimentSpec, start = true): Promise<string> {
  const res = await t.http
    .post('/api/v1/experiments')
    .set(asAdmin)
    .send({
      name: spec.key,
      key: spec.key,
      hashSeed: spec.hashSeed,
      trafficAllocation: spec.trafficAllocation,
      variants: spec.weights.map((weight, i) => ({
        name: i === 0 ? 'control' : `v${i}`,
        weight,
        config: { index: i, seed: spec.hashSeed },
      })),
      metrics: [
        { name: 'purchase', type: 'conversion', role: 'primary' },
        { name: 'revenue', type: 'mean', role: 'secondary' },
      ],
    });
  if (res.status !== 201) throw new Error(`create ${spec.key}: ${res.status} ${JSON.stringify(res.body)}`);
  if (start) await t.http.post(`/api/v1/experiments/${spec.key}/start`).set(asAdmin).expect(200);
  return res.body.id;
}

/** The ETag the service serves now. */
export async function currentEtag(t: TestApp): Promise<string> {
  const res = await t.http.get('/api/v1/sdk/definitions').set(asClient).expect(200);
  return res.headers.etag;
}

/** Waits until the client holds the definitions the service serves now (the stream tells it; nothing is forced). */
export async function synced(t: TestApp, client: ExperimentationClient): Promise<void> {
  const etag = await currentEtag(t);
  await waitFor(`client definitions ${etag}`, async () => (client.stats().etag === etag ? true : undefined), 10_000, 20);
}

/** Runs `work` over `items`, `concurrency` at a time, results in order. */
export async function mapConcurrent<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]);
      }
    }),
  );
  return results;
}

/**
 * A TCP proxy in front of the service that the outage tests switch off (connections refused, open
 * ones cut) and on again on the same port.
 */
export class SwitchableProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: number) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const server = net.createServer((socket) => {
      const upstream = net.connect(this.target, '127.0.0.1');
      this.sockets.add(socket).add(upstream);
      const drop = (): void => {
        socket.destroy();
        upstream.destroy();
        this.sockets.delete(socket);
        this.sockets.delete(upstream);
      };
      socket.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      socket.pipe(upstream).pipe(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export function users(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}
