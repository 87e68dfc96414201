import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Set by global-setup: a server URL (any database) and the migrated template database's name. */
export const SERVER_URL_ENV = 'TEST_PG_SERVER_URL';
export const TEMPLATE_ENV = 'TEST_PG_TEMPLATE';

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database for one test file, copied from the template that global-setup migrated once
 * (CREATE DATABASE … TEMPLATE is a file copy: milliseconds instead of re-running migrations).
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = process.env[SERVER_URL_ENV];
  const template = process.env[TEMPLATE_ENV];
  if (!serverUrl || !template) throw new Error('e2e tests need jest globalSetup (test/support/global-setup.ts)');
  const name = `exp_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  return {
    url: withDatabase(serverUrl, name),
    drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
