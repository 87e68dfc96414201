import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/app.setup';
import type { Clock } from '../../src/common/clock';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { createTestDatabase } from './test-database';

export const ADMIN_TOKEN = 'admin-token-for-tests';
export const CLIENT_TOKEN = 'client-token-for-tests';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  databaseUrl: string;
  http: TestAgent;
  /** Closes the app; drops the database unless `keepDatabase` (for restart tests). */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

/**
 * The real application (same createApp as production) on its own fresh database. Tokens are set
 * unless the test asks for open mode, so auth is exercised everywhere by default.
 */
export async function startTestApp(
  env: Record<string, string | undefined> = {},
  options: { databaseUrl?: string; clock?: Clock } = {},
): Promise<TestApp> {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN,
    CLIENT_TOKENS: CLIENT_TOKEN,
    ROLLOUT_TICK_SECONDS: '3600',
    // Suites send many deliberately unauthenticated requests from one address; security-bounds sets its own.
    AUTH_FAILURES_PER_MINUTE: '1000000',
    ...env,
  });
  const database = options.databaseUrl ? { url: options.databaseUrl, drop: async () => undefined } : await createTestDatabase();
  const app = await createApp(config, database.url, { clock: options.clock });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    config,
    databaseUrl: database.url,
    http: request(app.getHttpServer()),
    async close(closeOptions = {}) {
      await app.close();
      if (!closeOptions.keepDatabase) await database.drop();
    },
  };
}

/**
 * startTestApp plus a pg client on its database, for suites that check what was written.
 * `close` ends the client, then closes the app.
 */
export async function startTestAppWithDatabase(env: Record<string, string | undefined> = {}): Promise<TestApp & { db: Client }> {
  const t = await startTestApp(env);
  const db = new Client({ connectionString: t.databaseUrl });
  await db.connect();
  return {
    ...t,
    db,
    async close(closeOptions) {
      await db.end();
      await t.close(closeOptions);
    },
  };
}

export const asAdmin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
export const asClient = { Authorization: `Bearer ${CLIENT_TOKEN}` };
