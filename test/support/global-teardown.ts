import * as fs from 'node:fs';
import type { EmbeddedDatabase } from '../../src/database/embedded-database';
import { adminQuery, SERVER_URL_ENV, TEMPLATE_ENV } from './test-database';

export default async function globalTeardown(): Promise<void> {
  const serverUrl = process.env[SERVER_URL_ENV];
  const template = process.env[TEMPLATE_ENV];
  if (serverUrl && template) {
    // Databases of test files that failed before their own cleanup.
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => undefined);
  }
  const state = (globalThis as Record<string, unknown>).__EMBEDDED_DB__ as { embedded: EmbeddedDatabase; dataDir: string } | undefined;
  if (state) {
    await state.embedded.stop();
    fs.rmSync(state.dataDir, { recursive: true, force: true });
  }
}
