import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DomainError } from '../errors';
import { ACCESS_KEY, AccessLevel, Actor, QUERY_TOKEN_KEY } from './access.decorator';
import { TokenMatcher } from './token-matcher';

class UnauthorizedError extends DomainError {
  readonly statusCode = 401;
}

class ForbiddenError extends DomainError {
  readonly statusCode = 403;
}

export type AuthenticatedRequest = FastifyRequest & { actor?: Actor };

function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match ? match[1].trim() : null;
}

@Injectable()
export class AuthGuard implements CanActivate {
  private readonly admin: TokenMatcher;
  private readonly clients: TokenMatcher;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.admin = new TokenMatcher(config.adminToken ? [config.adminToken] : []);
    this.clients = new TokenMatcher(config.clientTokens);
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const level = this.reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS_KEY, targets) ?? 'admin';
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (level === 'public') return true;
    if (this.config.openMode) {
      request.actor = 'admin';
      return true;
    }

    let token = bearerToken(request.headers.authorization);
    if (token === null && this.reflector.getAllAndOverride<boolean>(QUERY_TOKEN_KEY, targets)) {
      const query = request.query as Record<string, unknown>;
      token = typeof query.token === 'string' ? query.token : null;
    }
    if (token === null) {
      throw new UnauthorizedError('Missing bearer token: send Authorization: Bearer <token>');
    }
    if (this.admin.matches(token)) {
      request.actor = 'admin';
      return true;
    }
    if (this.clients.matches(token)) {
      if (level === 'client') {
        request.actor = 'client';
        return true;
      }
      throw new ForbiddenError('This token has the client scope; this route needs the admin token');
    }
    throw new UnauthorizedError('Invalid bearer token');
  }
}
