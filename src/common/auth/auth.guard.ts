import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DomainError } from '../errors';
import { Actor, QUERY_TOKEN_KEY } from './access.decorator';
import { accessLevel, bearerDigest, tokenDigest } from './credentials';
import { TokenMatcher } from './token-matcher';

class UnauthorizedError extends DomainError {
  readonly statusCode = 401;
}

class ForbiddenError extends DomainError {
  readonly statusCode = 403;
}

export type AuthenticatedRequest = FastifyRequest & { actor?: Actor };

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
    const level = accessLevel(this.reflector, context);
    if (level === 'public') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (this.config.openMode) {
      request.actor = 'admin';
      return true;
    }

    let digest = bearerDigest(request);
    if (digest === null && this.reflector.getAllAndOverride<boolean>(QUERY_TOKEN_KEY, [context.getHandler(), context.getClass()])) {
      const query = request.query as Record<string, unknown>;
      digest = typeof query.token === 'string' ? tokenDigest(query.token) : null;
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
