import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ACCESS_KEY, AccessLevel } from './access.decorator';

/** The token of `Authorization: Bearer <token>`, or null. */
function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match ? match[1].trim() : null;
}

export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

const BEARER_DIGEST = Symbol('bearer token digest');

/**
 * SHA-256 of the request's bearer token (null without one), computed once per request: what the
 * rate limiter keys on and the auth guard compares.
 */
export function bearerDigest(request: FastifyRequest): Buffer | null {
  const holder = request as FastifyRequest & { [BEARER_DIGEST]?: Buffer | null };
  if (holder[BEARER_DIGEST] === undefined) {
    const token = bearerToken(request.headers.authorization);
    holder[BEARER_DIGEST] = token === null ? null : tokenDigest(token);
  }
  return holder[BEARER_DIGEST];
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
