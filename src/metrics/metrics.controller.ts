import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access } from '../common/auth/access.decorator';
import { DatabaseGaugesService } from './database-gauges.service';
import { MetricsService } from './metrics.service';

@ApiTags('operations')
@Access('public')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly gauges: DatabaseGaugesService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format, no token needed)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text format 0.0.4', schema: { type: 'string' } })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    await this.gauges.refresh();
    void reply.header('Content-Type', this.metrics.registry.contentType).header('Cache-Control', 'no-store');
    return this.metrics.registry.metrics();
  }
}
