import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { ManualClock } from '../../src/common/clock';
import { RolloutSchedulerService, TickSummary } from '../../src/rollouts/rollout-scheduler.service';
import { SenderTickSummary, WebhookSender } from '../../src/webhooks/webhook-sender.service';
import { asAdmin, asClient, startTestApp, TestApp } from '../support/test-app';

/** Helpers shared by the rollout e2e specs (not a spec itself). */

export const PERCENTAGES = [5, 25, 50, 75, 100];
/** 0.0005 h = 1.8 s per stage. */
export const SHORT_STAGE_HOURS = 0.0005;
export const HOUR_MS = 3_600_000;

export const HEALTHY_REPORT = { requests: 1000, errors: 10, latencyP95Ms: 120, labeled: 200, correct: 180 };

export function stages(durationHours: number, percentages: number[] = PERCENTAGES): Array<{ percentage: number; durationHours: number }> {
  return percentages.map((percentage) => ({ percentage, durationHours }));
}

export function rolloutBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'ml-model-v2-rollout',
    description: 'Ship the v2 ranking model',
    modelVersion: 'v2.0.0',
    baselineVersion: 'v1.4.2',
    schedule: { stages: stages(SHORT_STAGE_HOURS) },
    ...overrides,
  };
}

export async function createRollout(t: TestApp, overrides: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await t.http.post('/api/v1/rollouts').set(asAdmin).send(rolloutBody(overrides));
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function startRollout(t: TestApp, id: string): Promise<Record<string, any>> {
  const res = await t.http.post(`/api/v1/rollouts/${id}/start`).set(asAdmin);
  if (res.status !== 200) throw new Error(`start failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function getRollout(t: TestApp, id: string): Promise<Record<string, any>> {
  return (await t.http.get(`/api/v1/rollouts/${id}`).set(asAdmin).expect(200)).body;
}

export async function report(t: TestApp, id: string, body: Record<string, unknown> = HEALTHY_REPORT): Promise<void> {
  const res = await t.http.post(`/api/v1/rollouts/${id}/health`).set(asClient).send(body);
  if (res.status !== 202) throw new Error(`health report failed: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function history(t: TestApp, id: string): Promise<Array<Record<string, any>>> {
  return (await t.http.get(`/api/v1/rollouts/${id}/history`).set(asAdmin).expect(200)).body;
}

/** One scheduler pass at the app's Clock time (tests move a ManualClock, then tick). */
export function tick(t: TestApp): Promise<TickSummary> {
  return t.app.get(RolloutSchedulerService).tick();
}

/** One pass of the webhook sender: POSTs every delivery due by the app's clock. */
export function sendWebhooks(t: TestApp): Promise<SenderTickSummary> {
  return t.app.get(WebhookSender).tick();
}

/** Lets webhooks reach receivers on 127.0.0.1 and leaves sending to the test (`sendWebhooks`). */
export const LOCAL_WEBHOOKS = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TICK_SECONDS: '3600', WEBHOOK_TIMEOUT_SECONDS: '2' };

export type ClockedApp = TestApp & { db: Client; clock: ManualClock };

/**
 * The app on a ManualClock that starts at the real time (so dates in request bodies stay plausible),
 * with a pg client on its database. The interval tick stays at the test default (an hour) unless
 * `env` says otherwise: the tests tick themselves.
 */
export async function startClockedApp(
  env: Record<string, string | undefined> = {},
  options: { clock?: ManualClock; databaseUrl?: string } = {},
): Promise<ClockedApp> {
  const clock = options.clock ?? new ManualClock(Date.now());
  const t = await startTestApp(env, { clock, databaseUrl: options.databaseUrl });
  const db = new Client({ connectionString: t.databaseUrl });
  await db.connect();
  return {
    ...t,
    db,
    clock,
    async close(closeOptions) {
      await db.end();
      await t.close(closeOptions);
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export async function countRows(db: Client, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await db.query(sql, params)).rows[0].count);
}

export interface WebhookReceiver {
  url: string;
  received: Array<{ body: any; headers: http.IncomingHttpHeaders }>;
  /** Status codes to answer with, in order; 200 once exhausted. */
  responses: number[];
  /** Answers the deliveries held so far (with `hold`) and every later one at once. */
  release(): void;
  close(): Promise<void>;
}

/** A local HTTP server standing in for the team's webhook endpoint; with `hold` it answers nothing until `release`. */
export async function startWebhookReceiver(responses: number[] = [], options: { hold?: boolean } = {}): Promise<WebhookReceiver> {
  const received: WebhookReceiver['received'] = [];
  const queue = [...responses];
  let holding = options.hold ?? false;
  const held: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => {
      received.push({ body: data ? JSON.parse(data) : null, headers: req.headers });
      const answer = (): void => {
        res.statusCode = queue.shift() ?? 200;
        res.end();
      };
      if (holding) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/rollouts`,
    received,
    responses: queue,
    release: () => {
      holding = false;
      for (const answer of held.splice(0)) answer();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
