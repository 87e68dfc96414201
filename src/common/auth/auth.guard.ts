import { CanActivate, ExecutionContext, Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { FixedWindowRateLimiter } from '../../security/rate-limiter';
import { TooManyRequestsError } from '../../security/rate-limit.guard';
import { DomainError } from '../errors';
import { Actor, QUERY_TICKET_KEY } from './access.decorator';
import { accessLevel, bearerDigest } from './credentials';
import { ticketKey, verifyTicket } from './stream-ticket';
import { Clock } from '../clock';
import { TokenMatcher } from './token-matcher';

class UnauthorizedError extends DomainError {
  readonly statusCode = 401;
}

class ForbiddenError extends DomainError {
  readonly statusCode = 403;
}

export type AuthenticatedRequest = FastifyRequest & { actor?: Actor };

export const AUTH_FAILURE_WINDOW_MS = 60_000;

/**
 * Every non-public route needs a token (unless open mode). Failed authentications (no token or an
 * unknown one) are counted per client address (the socket address; behind proxies trusted by
 * TRUST_PROXY, the address they forward): past AUTH_FAILURES_PER_MINUTE, that address gets 429 with
 * Retry-After for every request until its minute is over, so guessing tokens is throttled however
 * many different tokens are tried. The counters are bounded in bytes (rate-limiter.ts).
 */
@Injectable()
export class AuthGuard implements CanActivate, OnApplicationShutdown {
  private readonly admin: TokenMatcher;
  private readonly clients: TokenMatcher;
  readonly failures: FixedWindowRateLimiter;
  private readonly ticketKey: Buffer | null;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.ticketKey = config.adminToken ? ticketKey(config.adminToken) : null;
    this.admin = new TokenMatcher(config.adminToken ? [config.adminToken] : []);
    this.clients = new TokenMatcher(config.clientTokens);
    this.failures = new FixedWindowRateLimiter(config.authFailuresPerMinute, AUTH_FAILURE_WINDOW_MS, 4 * 1024 * 1024);
  }

  onApplicationShutdown(): void {
    this.failures.stop();
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const level = accessLevel(this.reflector, context);
    if (level === 'public') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (this.config.openMode) {
      request.actor = 'admin';
      return true;
    }

    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const blocked = this.failures.peek(request.ip);
    if (blocked !== null && !blocked.allowed) throw this.throttled(reply, blocked.resetSeconds);
    try {
      const queryTicket = this.reflector.getAllAndOverride<boolean>(QUERY_TICKET_KEY, [context.getHandler(), context.getClass()]) === true;
      return this.authenticate(request, level, queryTicket);
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        const decision = this.failures.hit(request.ip);
        if (!decision.allowed) throw this.throttled(reply, decision.resetSeconds);
      }
      throw error;
    }
  }

  private throttled(reply: FastifyReply, retryAfter: number): TooManyRequestsError {
    void reply.header('retry-after', retryAfter);
    return new TooManyRequestsError('Too many failed authentications from this address: retry after the time in Retry-After');
  }

  private authenticate(request: AuthenticatedRequest, level: 'client' | 'admin', queryTicket: boolean): boolean {
    const digest = bearerDigest(request);
    if (digest === null && queryTicket) {
      // The stream only: a ticket from POST /api/v1/stream/ticket, never a token in the URL.
      const ticket = (request.query as Record<string, unknown>).ticket;
      if (ticket === undefined)
        throw new UnauthorizedError('Missing credentials: send Authorization: Bearer <token> or ?ticket= from POST /api/v1/stream/ticket');
      if (this.ticketKey !== null && verifyTicket(this.ticketKey, ticket, this.clock.now().getTime())) {
        request.actor = 'admin';
        return true;
      }
      throw new UnauthorizedError('Invalid or expired stream ticket: get a new one from POST /api/v1/stream/ticket');
    }
    if (digest === null) {
      throw new UnauthorizedError('Missing bearer token: send Authorization: Bearer <token>');
    }
    if (this.admin.matches(digest)) {
      request.actor = 'admin';
      return true;
    }
    if (this.clients.matches(digest)) {
      if (level === 'client') {
        request.actor = 'client';
        return true;
      }
      throw new ForbiddenError('This token has the client scope; this route needs the admin token');
    }
    throw new UnauthorizedError('Invalid bearer token');
  }
}
