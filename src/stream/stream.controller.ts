import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AllowQueryToken } from '../common/auth/access.decorator';
import { StreamService } from './stream.service';

@ApiTags('stream')
@ApiBearerAuth()
@Controller('api/v1/stream')
export class StreamController {
  constructor(private readonly stream: StreamService) {}

  @Get()
  @AllowQueryToken()
  @ApiProduces('text/event-stream')
  @ApiQuery({
    name: 'token',
    required: false,
    description: 'The admin token, for EventSource (which cannot send headers); this route only',
  })
  @ApiOperation({ summary: 'Server-Sent Events: experiment.changed, rollout.changed, alert.raised (heartbeat comment every 15 s)' })
  @ApiOkResponse({ description: 'An event stream: one `event:` line and one `data:` JSON line per change', schema: { type: 'string' } })
  open(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    this.stream.open(request, reply);
  }
}
