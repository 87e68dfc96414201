import { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultErrorCode, ERROR_CODES, ErrorCode } from './error-codes';
import { ConflictError, DomainError, InvalidInputError, NotFoundError } from './errors';
import { toErrorBody } from './http-error.filter';

const ROOT = path.resolve(__dirname, '..', '..');

/** `| \`CODE\` | 404 | … |` rows of docs/api-errors.md. */
function documentedCodes(): Map<string, string> {
  const text = fs.readFileSync(path.join(ROOT, 'docs', 'api-errors.md'), 'utf8');
  return new Map([...text.matchAll(/^\| `([A-Z_]+)` \| (\d{3}|4xx) \|/gm)].map((m) => [m[1], m[2]]));
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}

/** Every code literal a throw site or body builder in src/ passes: `new XError(…, 'CODE')`, `errorBody(…, 'CODE')`, `body(…, 'CODE')`. */
function codesUsedInSource(): Set<string> {
  const used = new Set<string>();
  const call = /\b(?:new \w+Error|errorBody|body)\(((?:[^()]|\([^()]*\))*)\)/g;
  for (const file of sourceFiles(path.join(ROOT, 'src'))) {
    if (file.endsWith('error-codes.ts')) continue;
    for (const [, args] of fs.readFileSync(file, 'utf8').matchAll(call)) {
      for (const [, literal] of args.matchAll(/'([A-Z][A-Z_]+)'/g)) used.add(literal);
    }
  }
  return used;
}

class TeapotError extends DomainError {
  readonly statusCode = 418;
}

describe('error codes', () => {
  const silent = new Logger('test');
  silent.error = () => undefined;
  silent.warn = () => undefined;

  it('should list every code of ERROR_CODES in docs/api-errors.md with its status, and nothing else', () => {
    const documented = documentedCodes();
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      expect([code, documented.get(code)]).toEqual([code, code === 'BAD_REQUEST' ? '4xx' : String(status)]);
    }
    expect([...documented.keys()].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('should document every code a throw site in src/ uses', () => {
    const used = codesUsedInSource();
    // The scan must find the throw sites at all, or this test could not fail.
    expect(used).toContain('ILLEGAL_TRANSITION');
    expect(used).toContain('ROLLOUT_NOT_FOUND');
    expect(used).toContain('INVALID_JSON');
    const documented = documentedCodes();
    expect([...used].filter((code) => !documented.has(code))).toEqual([]);
  });

  it.each([
    [400, 'VALIDATION_FAILED'],
    [401, 'UNAUTHORIZED'],
    [403, 'FORBIDDEN'],
    [404, 'NOT_FOUND'],
    [409, 'CONFLICT'],
    [413, 'PAYLOAD_TOO_LARGE'],
    [429, 'RATE_LIMITED'],
    [503, 'SERVICE_UNAVAILABLE'],
    [418, 'BAD_REQUEST'],
    [500, 'INTERNAL_ERROR'],
  ] as [number, ErrorCode][])('should default status %i to %s', (status, code) => {
    expect(defaultErrorCode(status)).toBe(code);
  });

  it('should put the specific code of a domain error in the body, next to the existing fields', () => {
    expect(toErrorBody(NotFoundError.experiment('nope'), silent)).toEqual({
      statusCode: 404,
      error: 'Not Found',
      code: 'EXPERIMENT_NOT_FOUND',
      message: 'Experiment nope not found',
    });
    expect(toErrorBody(NotFoundError.rollout('r1'), silent).code).toBe('ROLLOUT_NOT_FOUND');
    expect(
      toErrorBody(new ConflictError('cannot go', undefined, { status: 'completed', allowed: [] }, 'ILLEGAL_TRANSITION'), silent),
    ).toEqual({
      statusCode: 409,
      error: 'Conflict',
      code: 'ILLEGAL_TRANSITION',
      message: 'cannot go',
      status: 'completed',
      allowed: [],
    });
    expect(toErrorBody(InvalidInputError.fromProblems([{ field: 'userId', problem: 'is required' }]), silent).code).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('should give a code to every other error path: status defaults, database, Fastify, unknown', () => {
    expect(toErrorBody(new TeapotError('short and stout'), silent).code).toBe('BAD_REQUEST');
    const pg = (code: string): Error => Object.assign(new Error('pg'), { code });
    expect(toErrorBody(pg('23505'), silent).code).toBe('CONFLICT');
    expect(toErrorBody(pg('40001'), silent).code).toBe('RETRY_CONFLICT');
    expect(toErrorBody(pg('57014'), silent).code).toBe('QUERY_TIMEOUT');
    expect(toErrorBody(pg('22P02'), silent).code).toBe('VALIDATION_FAILED');
    expect(toErrorBody(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), silent).code).toBe(
      'DATABASE_UNAVAILABLE',
    );
    const fastify = (code: string, statusCode: number): Error => Object.assign(new Error(code), { code, statusCode });
    expect(toErrorBody(fastify('FST_ERR_CTP_INVALID_JSON_BODY', 400), silent).code).toBe('INVALID_JSON');
    expect(toErrorBody(fastify('FST_ERR_CTP_BODY_TOO_LARGE', 413), silent).code).toBe('PAYLOAD_TOO_LARGE');
    expect(toErrorBody(fastify('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415), silent).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(toErrorBody(new TypeError('boom'), silent)).toMatchObject({ statusCode: 500, code: 'INTERNAL_ERROR' });
  });
});
