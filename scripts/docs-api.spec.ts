import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { buildDocumentOffline } from './generate-sdk-api';

const ROOT = path.resolve(__dirname, '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** docs/api.md is the reference a user reads: it must name every route the service serves, and link only inside the repository. */
describe('docs/api.md', () => {
  let document: OpenAPIObject;

  beforeAll(async () => {
    document = await buildDocumentOffline();
  });

  it('should name every /api/v1 route of the OpenAPI document', () => {
    const text = read('docs/api.md');
    const missing = Object.keys(document.paths)
      .filter((p) => p.startsWith('/api/v1/') || p === '/health' || p === '/metrics')
      // `{action}` is written out as the actions themselves (`/start|pause|…`).
      .map((p) => p.replace('/{action}', '/start').replace(/\{(\w+)\}/g, ':$1'))
      .filter((p) => !new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w/-])`).test(text));
    expect(missing).toEqual([]);
  });

  it.each(['docs/api.md', 'docs/api-errors.md'])('%s should link only to files inside the repository', (file) => {
    const text = read(file);
    const links = [...text.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)].map((m) => m[1]);
    const outside = links.filter((link) => /^[a-z]+:/i.test(link) || !fs.existsSync(path.resolve(ROOT, path.dirname(file), link)));
    expect(outside).toEqual([]);
    expect(text).not.toMatch(/shared\/|\.\.\/\.\./);
  });
});
