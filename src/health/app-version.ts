import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/**
 * The service's version from its package.json, found by walking up from this file: the same code
 * runs from src/ (tests) and dist/src/ (production), which sit at different depths.
 */
export function appVersion(): string {
  if (cached !== undefined) return cached;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'experimentation-service' && typeof pkg.version === 'string') {
        cached = pkg.version;
        return cached;
      }
    }
    dir = path.dirname(dir);
  }
  cached = 'unknown';
  return cached;
}
