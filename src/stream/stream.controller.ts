import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiProperty,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AllowQueryTicket } from '../common/auth/access.decorator';
import { issueTicket, ticketKey } from '../common/auth/stream-ticket';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { StreamService } from './stream.service';

export class StreamTicket {
  @ApiProperty({ description: 'Pass as ?ticket= on GET /api/v1/stream' }) ticket: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}

@ApiTags('stream')
@ApiBearerAuth()
@Controller('api/v1/stream')
export class StreamController {
  private readonly key: Buffer | null;

  constructor(
    private readonly stream: StreamService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.key = config.adminToken ? ticketKey(config.adminToken) : null;
  }

  @Post('ticket')
  @HttpCode(201)
  @ApiOperation({
    summary: 'A ticket for GET /api/v1/stream?ticket=…, valid 60 s (EventSource cannot send the Authorization header)',
  })
  @ApiCreatedResponse({ type: StreamTicket })
  ticket(): StreamTicket {
    // Open mode (no ADMIN_TOKEN): the stream needs no credentials; a ticket is still handed out so clients need no special case.
    return issueTicket(this.key ?? Buffer.alloc(32), this.clock.now().getTime());
  }

  @Get()
  @AllowQueryTicket()
  @ApiProduces('text/event-stream')
  @ApiQuery({
    name: 'ticket',
    required: false,
    description: 'A ticket from POST /api/v1/stream/ticket, for EventSource (which cannot send headers); this route only',
  })
  @ApiOperation({ summary: 'Server-Sent Events: experiment.changed, rollout.changed, alert.raised (heartbeat comment every 15 s)' })
  @ApiOkResponse({ description: 'An event stream: one `event:` line and one `data:` JSON line per change', schema: { type: 'string' } })
  open(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    this.stream.open(request, reply);
  }
}
