import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

/**
 * A fresh clone of the committed HEAD in a new `mktemp -d` directory (mode 0700, as `mktemp` makes it
 * and as root's home is): what a newcomer gets with `git clone`. Uncommitted changes are not in it.
 */
export function freshClone(prefix: string): { parent: string; dir: string; remove(): void } {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(parent, 0o700);
  const dir = path.join(parent, 'app');
  execFileSync('git', ['clone', '--quiet', '--no-hardlinks', ROOT, dir], { stdio: 'pipe' });
  return { parent, dir, remove: () => fs.rmSync(parent, { recursive: true, force: true }) };
}

/** The files `git` tracks in a clone (what a fresh clone holds, without .git). */
export function trackedFiles(dir: string): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: dir, encoding: 'utf8' }).split('\0').filter(Boolean);
}

/**
 * A clean environment for commands run as a user would: no jest or npm lifecycle variables, no
 * DATABASE_URL unless given. npm may use its usual cache without asking the registry for metadata it has.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: process.env.HOME ?? os.homedir(),
    LANG: process.env.LANG ?? 'C.UTF-8',
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  if (process.env.npm_config_cache) env.npm_config_cache = process.env.npm_config_cache;
  return { ...env, ...extra };
}

/** Runs a shell command line in `cwd`; rejects with the tail of its output when it fails. */
export function sh(command: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`\`${command}\` in ${cwd} failed (code ${code}, signal ${signal}):\n${output.slice(-4000)}`));
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A long-running command (its own process group, so it and its children stop together). */
export class Service {
  output = '';
  exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly child: ChildProcess;

  constructor(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, user: { uid?: number; gid?: number } = {}) {
    this.child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...user });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.on('exit', (code, signal) => (this.exited = { code, signal }));
  }

  /** Polls `url` until it answers `status`; fails early with the output when the process exits. */
  async waitFor(url: string, status: number, timeoutMs: number): Promise<{ status: number; body: unknown }> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (this.exited) throw new Error(`exited (${JSON.stringify(this.exited)}) before ${url} answered:\n${this.output.slice(-4000)}`);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        const body = (await res.json()) as unknown;
        if (res.status === status) return { status: res.status, body };
      } catch {
        // not listening yet
      }
      if (Date.now() > until) throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms:\n${this.output.slice(-4000)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /**
   * SIGTERM to the whole group (npm, node, PostgreSQL) and wait until every process in it is gone
   * (npm dies of the signal at once; the service drains and stops PostgreSQL after it); SIGKILL after 20 s.
   */
  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined) return;
    const alive = (): boolean => {
      try {
        process.kill(-pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    if (!alive()) return;
    process.kill(-pid, 'SIGTERM');
    const until = Date.now() + 20_000;
    while (alive()) {
      if (Date.now() > until) process.kill(-pid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Let the last output in the pipes arrive.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
