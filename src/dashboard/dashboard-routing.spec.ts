import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheControlFor, locateDashboardDir, routeDashboardRequest } from './dashboard-routing';

describe('routeDashboardRequest', () => {
  it.each([
    ['/', { kind: 'index' }],
    ['/index.html', { kind: 'index' }],
    ['/experiments', { kind: 'index' }],
    ['/experiments/checkout-button?status=running', { kind: 'index' }],
    ['/rollouts/2f1c7a8e-0000-4000-8000-000000000000', { kind: 'index' }],
    ['/alerts?status=open', { kind: 'index' }],
    ['/experiments/v1.2', { kind: 'file', file: 'experiments/v1.2' }],
    ['/assets/index-abc123.js', { kind: 'file', file: 'assets/index-abc123.js' }],
    ['/assets/uPlot%20x.css', { kind: 'file', file: 'assets/uPlot x.css' }],
    ['/favicon.ico', { kind: 'file', file: 'favicon.ico' }],
  ])('should answer %s with %j', (url, expected) => {
    expect(routeDashboardRequest(url)).toEqual(expected);
  });

  it.each([
    '/api',
    '/api/v1/nope',
    '/api/v1/experiments/x/unknown',
    '/health',
    '/health/x',
    '/metrics',
    '/metrics/x',
    '/docs',
    '/docs/x.js',
    '/docs-json',
  ])('should never claim the service path %s', (url) => {
    expect(routeDashboardRequest(url)).toEqual({ kind: 'not-found' });
  });

  it.each(['/assets/../../package.json', '/../secret', '/a%E0%A4%A.js'])('should refuse the unsafe or malformed path %s', (url) => {
    expect(routeDashboardRequest(url)).toEqual({ kind: 'not-found' });
  });

  it('should not mistake a client route that starts like a service path for it', () => {
    expect(routeDashboardRequest('/apis')).toEqual({ kind: 'index' });
    expect(routeDashboardRequest('/healthy')).toEqual({ kind: 'index' });
  });
});

describe('cacheControlFor', () => {
  it('should cache hashed bundles for a year and revalidate everything else', () => {
    expect(cacheControlFor('assets/index-abc.js')).toBe('public, max-age=31536000, immutable');
    expect(cacheControlFor('index.html')).toBe('no-cache');
  });
});

describe('locateDashboardDir', () => {
  let root: string;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-locate-'));
    fs.writeFileSync(path.join(root, 'package.json'), '{}');
    fs.mkdirSync(path.join(root, 'dist', 'src', 'dashboard'), { recursive: true });
    fs.mkdirSync(path.join(root, 'src', 'dashboard'), { recursive: true });
  });

  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('should find dist/dashboard from the compiled and the source module folder', () => {
    fs.mkdirSync(path.join(root, 'dist', 'dashboard'));
    fs.writeFileSync(path.join(root, 'dist', 'dashboard', 'index.html'), '<!doctype html>');
    expect(locateDashboardDir(path.join(root, 'dist', 'src', 'dashboard'))).toBe(path.join(root, 'dist', 'dashboard'));
    expect(locateDashboardDir(path.join(root, 'src', 'dashboard'))).toBe(path.join(root, 'dist', 'dashboard'));
  });

  it('should report a missing build as null, never the unbuilt source folder', () => {
    fs.mkdirSync(path.join(root, 'dashboard'));
    fs.writeFileSync(path.join(root, 'dashboard', 'index.html'), '<script type="module" src="/src/main.tsx"></script>');
    expect(locateDashboardDir(path.join(root, 'src', 'dashboard'))).toBeNull();
  });
});
