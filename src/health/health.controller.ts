import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Access } from '../common/auth/access.decorator';
import { appVersion } from './app-version';

export type HealthBody = { status: 'ok'; database: 'up'; version: string; uptimeSeconds: number } | { status: 'error'; database: 'down' };

// Shorter than any load balancer's probe timeout, so a hung database answers 503 instead of hanging.
const PING_TIMEOUT_MS = 1500;

@ApiTags('operations')
@Access('public')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Liveness and database reachability (no token needed)' })
  @ApiOkResponse({ schema: { example: { status: 'ok', database: 'up', version: '0.1.0', uptimeSeconds: 42 } } })
  @ApiServiceUnavailableResponse({ schema: { example: { status: 'error', database: 'down' } } })
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthBody> {
    try {
      // Terminus answers a failed check with its own ServiceUnavailableException shape; the contract's
      // body (§8) is simpler, so any failure is mapped here.
      await this.health.check([() => this.database.pingCheck('database', { timeout: PING_TIMEOUT_MS })]);
      return { status: 'ok', database: 'up', version: appVersion(), uptimeSeconds: Math.floor(process.uptime()) };
    } catch {
      void reply.status(503).header('Retry-After', '5');
      return { status: 'error', database: 'down' };
    }
  }
}
