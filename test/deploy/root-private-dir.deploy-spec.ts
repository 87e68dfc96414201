import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddedDatabaseError, startEmbeddedDatabase } from '../../src/database/embedded-database';
import { freePort, freshClone, ROOT, Service, sh, userEnv } from './support';

/**
 * Issue 13 item 1: `git clone … && npm install && npm start` as root in a private (0700) directory.
 * Before the fix the embedded PostgreSQL's initdb died with `spawn … EACCES` as an unhandled 'error'
 * event: the `postgres` system user, which PostgreSQL runs as under root, cannot enter the directory.
 */
describe('The README commands as root in a 0700 directory (fresh clone)', () => {
  let clone: ReturnType<typeof freshClone>;
  let service: Service | null = null;
  let relocated: string | null = null;

  beforeAll(() => {
    clone = freshClone('deploy-root-');
  });

  afterAll(async () => {
    await service?.stop();
    if (relocated !== null) fs.rmSync(path.dirname(relocated), { recursive: true, force: true });
    clone?.remove();
  }, 60_000);

  it('runs as root (as CI does) in a directory the postgres user cannot enter', () => {
    // Only root hands PostgreSQL to the `postgres` user; run test:deploy as root (CI does).
    expect(process.getuid?.()).toBe(0);
    expect(fs.statSync(clone.parent).mode & 0o777).toBe(0o700);
    expect(clone.dir.startsWith(`${clone.parent}/`)).toBe(true);
  });

  it('`npm install && npm start` reaches /health with embedded PostgreSQL, and says in one line where the data lives', async () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npm install && npm start');
    const port = await freePort();
    const env = userEnv({ PORT: String(port) });
    await sh('npm install', clone.dir, env, 600_000);
    // `npm start` as the README runs it (prestart builds), in its own process group.
    service = new Service('npm', ['start'], clone.dir, env);
    const health = await service.waitFor(`http://127.0.0.1:${port}/health`, 200, 300_000);
    expect(health.body).toMatchObject({ status: 'ok', database: 'up' });
    expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);

    const lines = service.output.split('\n').filter((line) => line.includes('its data lives in'));
    expect(lines).toHaveLength(1);
    const where = /its data lives in (\S+)/.exec(lines[0])?.[1] ?? '';
    relocated = where;
    expect(lines[0]).toContain(`cannot enter ${clone.parent} (mode 0700)`);
    expect(fs.existsSync(path.join(where, 'PG_VERSION'))).toBe(true);
    expect(service.output).not.toMatch(/EACCES|\n\s+at .+\(.*:\d+:\d+\)/);
  });

  it('stops cleanly on SIGTERM and starts again on the same data', async () => {
    await service?.stop();
    // npm itself dies of the signal; the service drains, stops PostgreSQL and says so.
    expect(service?.output).toContain('shutdown complete');
    const port = await freePort();
    // Built already: the service's own start command, as `npm start` runs it after `prestart`.
    service = new Service(process.execPath, ['dist/src/main.js'], clone.dir, userEnv({ PORT: String(port) }));
    await service.waitFor(`http://127.0.0.1:${port}/health`, 200, 120_000);
    expect(service.output).toContain(`its data lives in ${relocated}`);
    expect(service.output).not.toContain('applied migrations');
  });
});

describe('Embedded PostgreSQL when the postgres user can reach nothing', () => {
  it('fails with one line naming the directory and the remedy, never a stack trace or an unhandled error', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-blocked-'));
    fs.chmodSync(parent, 0o700);
    try {
      // The data is behind a 0700 directory and the state directory cannot be created (a path under a file).
      const failure = await startEmbeddedDatabase(path.join(parent, 'data'), { stateRoot: '/dev/null/experimentation' }).then(
        () => null,
        (error: unknown) => error,
      );
      const message = (failure as Error).message;
      expect({ error: failure instanceof EmbeddedDatabaseError, message }).toEqual({ error: true, message });
      expect(message).not.toContain('\n');
      expect(message).toContain(`cannot enter ${parent} (mode 0700)`);
      expect(message).toMatch(
        /set DATA_DIR to a directory that user can reach, set DATABASE_URL .*, or run the service as a non-root user$/,
      );
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });
});
