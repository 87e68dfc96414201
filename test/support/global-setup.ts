import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmbeddedDatabase } from '../../src/database/embedded-database';
import { runMigrations } from '../../src/database/migrate';
import { adminQuery, SERVER_URL_ENV, TEMPLATE_ENV, withDatabase } from './test-database';

/**
 * Once per `npm test`: a real PostgreSQL (DATABASE_URL, or an embedded one in a temporary directory
 * with fsync off), and a template database with every migration applied.
 */
export default async function globalSetup(): Promise<void> {
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'experimentation-test-'));
    const embedded = await startEmbeddedDatabase(dataDir, { fsync: false });
    (globalThis as Record<string, unknown>).__EMBEDDED_DB__ = { embedded, dataDir };
    serverUrl = embedded.url;
    process.stdout.write(`\ne2e: embedded PostgreSQL started (DATABASE_URL unset)\n`);
  } else {
    process.stdout.write(`\ne2e: using DATABASE_URL server\n`);
  }
  const template = `exp_template_${process.pid}_${Date.now()}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${template}`);
  await runMigrations(withDatabase(serverUrl, template));
  process.env[SERVER_URL_ENV] = serverUrl;
  process.env[TEMPLATE_ENV] = template;
}
