import { Injectable } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { createHash } from 'node:crypto';

export const RATE_LIMIT_WINDOW_MS = 60_000;

function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match ? match[1].trim() : null;
}

/**
 * RATE_LIMIT_PER_MINUTE per caller across all routes: the caller is the bearer token (only its
 * SHA-256 is kept in memory, never the token) or, without one, the client IP (behind a proxy, the
 * first X-Forwarded-For hop, as Fastify's trustProxy resolves it). Counters live in this process:
 * with N replicas behind a balancer, a caller gets up to N × the limit.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const headers = req.headers as Record<string, unknown> | undefined;
    const token = bearerToken(headers?.authorization);
    if (token !== null) return Promise.resolve(`token:${createHash('sha256').update(token, 'utf8').digest('hex')}`);
    return Promise.resolve(`ip:${String(req.ip)}`);
  }

  /** One budget per caller, not one per route as the default key (class + handler + caller) gives. */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }
}
