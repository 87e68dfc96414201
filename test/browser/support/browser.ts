import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN_TOKEN, startTestApp, TestApp } from '../../support/test-app';

/** Helpers for the dashboard's browser tests (Debian's Chromium driven by playwright-core). */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumAvailable = fs.existsSync(CHROMIUM_PATH);

const ROOT = path.resolve(__dirname, '../../..');
const DASHBOARD_SRC = path.join(ROOT, 'dashboard');
const DASHBOARD_DIST = path.join(ROOT, 'dist', 'dashboard');
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');

/** `describe`, or `describe.skip` with one clear line when Chromium is not installed. */
export function describeInBrowser(name: string, fn: () => void): void {
  if (chromiumAvailable) {
    describe(name, fn);
    return;
  }
  process.stdout.write(
    `\n[browser] SKIPPED "${name}": ${CHROMIUM_PATH} not found. Install Chromium (apt-get install -y chromium) to run the dashboard browser tests.\n`,
  );
  describe.skip(name, fn);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/dashboard when it is missing or older than dashboard/ (so the tests always see the
 * current source). A lock directory keeps parallel test files from building at the same time.
 */
export async function ensureDashboardBuilt(): Promise<void> {
  const index = path.join(DASHBOARD_DIST, 'index.html');
  const fresh = (): boolean => fs.existsSync(index) && fs.statSync(index).mtimeMs >= newestMtime(DASHBOARD_SRC);
  if (fresh()) return;
  const lock = path.join(ROOT, 'dist', '.dashboard-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (let waited = 0; ; waited += 250) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (waited > 120_000) throw new Error(`${lock} held for 2 minutes: remove it if no build is running`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    if (fresh()) return;
    process.stdout.write('[browser] building the dashboard (dist/dashboard is missing or older than dashboard/)\n');
    const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
    const result = spawnSync(
      process.execPath,
      [vite, 'build', '--config', path.join(DASHBOARD_SRC, 'vite.config.mts'), '--logLevel', 'warn'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    if (result.status !== 0) throw new Error(`dashboard build failed:\n${result.stdout}\n${result.stderr}`);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export interface DashboardApp {
  t: TestApp;
  baseUrl: string;
}

/** The real service (real database) listening on a free port, serving the built dashboard. */
export async function startDashboardApp(env: Record<string, string | undefined> = {}): Promise<DashboardApp> {
  await ensureDashboardBuilt();
  const t = await startTestApp(env);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.getHttpServer().address() as AddressInfo;
  return { t, baseUrl: `http://127.0.0.1:${address.port}` };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and CSP refusals seen so far (HTTP error statuses are expected and not listed). */
  problems: string[];
  close(): Promise<void>;
}

export async function openBrowser(viewport = { width: 1280, height: 800 }): Promise<Browser> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && !/Failed to load resource/.test(text)) problems.push(`console: ${text}`);
  });
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Opens the dashboard and passes the sign-in box with the admin token. */
export async function signIn(page: Page, baseUrl: string, pathname = '/'): Promise<void> {
  await page.goto(baseUrl + pathname);
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
