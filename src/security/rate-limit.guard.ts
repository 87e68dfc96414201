import { CanActivate, ExecutionContext, Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { accessLevel, bearerDigest } from '../common/auth/credentials';
import { DomainError } from '../common/errors';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { FixedWindowRateLimiter } from './rate-limiter';

export const RATE_LIMIT_WINDOW_MS = 60_000;

export class TooManyRequestsError extends DomainError {
  readonly statusCode = 429;
}

/**
 * RATE_LIMIT_PER_MINUTE per caller across all routes: the caller is the bearer token (only its
 * SHA-256 is kept in memory, never the token) or, without one, the client IP (behind a proxy, the
 * address Fastify resolves: the socket address, or behind proxies trusted by TRUST_PROXY the
 * forwarded one). State is bounded in bytes (rate-limiter.ts). Public routes (/health,
 * /metrics) are never limited: probes and scrapes must not be refused. Counters live in this
 * process: with N replicas behind a balancer, a caller gets up to N × the limit.
 */
@Injectable()
export class RateLimitGuard implements CanActivate, OnApplicationShutdown {
  readonly limiter: FixedWindowRateLimiter;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.limiter = new FixedWindowRateLimiter(config.rateLimitPerMinute, RATE_LIMIT_WINDOW_MS);
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || accessLevel(this.reflector, context) === 'public') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const digest = bearerDigest(request);
    const caller = digest === null ? `ip:${request.ip}` : `token:${digest.toString('hex')}`;
    const decision = this.limiter.hit(caller);
    void http.getResponse<FastifyReply>().headers({
      'x-ratelimit-limit': decision.limit,
      'x-ratelimit-remaining': decision.remaining,
      'x-ratelimit-reset': decision.resetSeconds,
      ...(decision.allowed ? {} : { 'retry-after': decision.resetSeconds }),
    });
    if (!decision.allowed) {
      throw new TooManyRequestsError('Too many requests: rate limit exceeded, retry after the time in Retry-After');
    }
    return true;
  }

  onApplicationShutdown(): void {
    this.limiter.stop();
  }
}
