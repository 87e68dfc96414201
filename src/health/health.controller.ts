import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Access } from '../common/auth/access.decorator';
import { appVersion } from './app-version';

export type LiveBody = { status: 'ok'; version: string; uptimeSeconds: number };
export type HealthBody = { status: 'ok'; database: 'up'; version: string; uptimeSeconds: number } | { status: 'error'; database: 'down' };

class HealthOk {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
  @ApiProperty({ enum: ['up'] }) database: 'up';
  @ApiProperty({ example: '0.1.0' }) version: string;
  @ApiProperty({ example: 42 }) uptimeSeconds: number;
}

class LiveOk {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
  @ApiProperty({ example: '0.1.0' }) version: string;
  @ApiProperty({ example: 42 }) uptimeSeconds: number;
}

class HealthDown {
  @ApiProperty({ enum: ['error'] }) status: 'error';
  @ApiProperty({ enum: ['down'] }) database: 'down';
}

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
  @ApiOkResponse({ type: HealthOk })
  @ApiServiceUnavailableResponse({ type: HealthDown })
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthBody> {
    return this.ready(reply);
  }

  @Get('live')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Liveness: the process runs and answers (no database check, no token needed)',
    description: 'For a Kubernetes livenessProbe: a PostgreSQL outage does not make it fail, so pods are not restarted for one.',
  })
  @ApiOkResponse({ type: LiveOk })
  live(): LiveBody {
    return { status: 'ok', version: appVersion(), uptimeSeconds: Math.floor(process.uptime()) };
  }

  @Get('ready')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Readiness: the database answers (503 otherwise; no token needed)',
    description:
      'For a Kubernetes readinessProbe: while PostgreSQL is unreachable the pod is taken out of the load balancer, not restarted.',
  })
  @ApiOkResponse({ type: HealthOk })
  @ApiServiceUnavailableResponse({ type: HealthDown })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthBody> {
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
