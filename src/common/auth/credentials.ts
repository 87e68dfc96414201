import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ACCESS_KEY, AccessLevel } from './access.decorator';

/** The token of `Authorization: Bearer <token>`, or null. */
export function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match ? match[1].trim() : null;
}

export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

const BEARER = Symbol('bearer credentials');

interface BearerCredentials {
  token: string;
  /** SHA-256 of the token: what the rate limiter keys on and the auth guard compares. */
  digest: Buffer;
}

/** The request's bearer token and its digest, computed once per request for both guards. */
export function bearerCredentials(request: FastifyRequest): BearerCredentials | null {
  const holder = request as FastifyRequest & { [BEARER]?: BearerCredentials | null };
  if (holder[BEARER] === undefined) {
    const token = bearerToken(request.headers.authorization);
    holder[BEARER] = token === null ? null : { token, digest: tokenDigest(token) };
  }
  return holder[BEARER];
}

const levels = new WeakMap<object, AccessLevel>();

/** `@Access` of the route (handler, then controller; `admin` when neither says), looked up once per route. */
export function accessLevel(reflector: Reflector, context: ExecutionContext): AccessLevel {
  const handler = context.getHandler();
  let level = levels.get(handler);
  if (level === undefined) {
    level = reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS_KEY, [handler, context.getClass()]) ?? 'admin';
    levels.set(handler, level);
  }
  return level;
}
