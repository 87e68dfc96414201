/**
 * Which requests the dashboard answers (no framework imports). The service owns `/api`, `/health`,
 * `/metrics` and `/docs`; everything else that looks like a page is a client-side route of the
 * single-page app and gets index.html, so a reload or a shared link to `/rollouts/<id>` works.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Never answered with index.html: an unknown path below these is the API's JSON 404. */
export const RESERVED_PREFIXES = ['/api', '/health', '/metrics', '/docs', '/docs-json'] as const;

export type DashboardAnswer = { kind: 'index' } | { kind: 'file'; file: string } | { kind: 'not-found' };

function isReserved(pathname: string): boolean {
  return RESERVED_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

/** Decides what a GET of `url` (path and query) gets from the dashboard. */
export function routeDashboardRequest(url: string): DashboardAnswer {
  const pathname = url.split('?')[0].split('#')[0];
  if (isReserved(pathname) || pathname.includes('\0') || pathname.split('/').includes('..')) return { kind: 'not-found' };
  if (pathname === '/' || pathname === '/index.html') return { kind: 'index' };
  const last = pathname.slice(pathname.lastIndexOf('/') + 1);
  // A name with an extension is a file (a hashed bundle, favicon.ico): served if it exists, else 404 —
  // never index.html, which would make a missing script fail as a confusing MIME-type error.
  if (/\.[a-zA-Z0-9]+$/.test(last)) {
    let file: string;
    try {
      file = decodeURIComponent(pathname.slice(1));
    } catch {
      return { kind: 'not-found' };
    }
    return { kind: 'file', file };
  }
  return { kind: 'index' };
}

/** Hashed bundles never change under the same name; everything else is revalidated on each load. */
export function cacheControlFor(file: string): string {
  return file.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

/**
 * The built dashboard (`dist/dashboard`, written by `npm run build`), found from the package root so
 * the same code works compiled (dist/src/dashboard) and from source under jest (src/dashboard).
 */
export function locateDashboardDir(fromDir: string): string | null {
  let dir = fromDir;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      const built = path.join(dir, 'dist', 'dashboard');
      return fs.existsSync(path.join(built, 'index.html')) ? built : null;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}
