import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../common/auth/access.decorator';
import type { AssignmentLookup, ExposureReport } from '../../sdk/src/definitions';
import { ifNoneMatchHits } from './sdk-rules';
import { SdkDefinitions, SdkExposureBatch, SdkExposureReport, SdkLookupRequest, SdkLookupResponse } from './sdk.response';
import { SdkStreamService } from './sdk-stream.service';
import { SdkService } from './sdk.service';

@ApiTags('sdk')
@ApiBearerAuth()
@Access('client')
@Controller('api/v1/sdk')
export class SdkController {
  constructor(
    private readonly sdk: SdkService,
    private readonly stream: SdkStreamService,
  ) {}

  @Get('definitions')
  @ApiOperation({ summary: 'Everything an SDK needs to decide locally (strong ETag; If-None-Match → 304)' })
  @ApiHeader({ name: 'If-None-Match', required: false })
  @ApiOkResponse({ type: SdkDefinitions })
  @ApiResponse({ status: 304, description: 'Not modified' })
  async definitions(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { body, etag } = await this.sdk.definitions();
    void reply.header('etag', etag).header('cache-control', 'no-cache');
    if (ifNoneMatchHits(request.headers['if-none-match'], etag)) {
      void reply.status(304).send();
      return;
    }
    void reply.status(200).type('application/json; charset=utf-8').send(body);
  }

  @Get('stream')
  @ApiProduces('text/event-stream')
  @ApiOperation({ summary: 'Server-Sent Events: `definitions` with the current ETag on connect and whenever it changes' })
  @ApiOkResponse({
    description: 'An event stream: `event: definitions` with the ETag, on connect and on every change',
    schema: { type: 'string' },
  })
  async open(@Res() reply: FastifyReply): Promise<void> {
    await this.stream.open(reply);
  }

  @Post('exposures')
  @HttpCode(200)
  @ApiBody({ type: SdkExposureBatch })
  @ApiOkResponse({ type: SdkExposureReport })
  @ApiOperation({
    summary:
      'Decisions an SDK made locally (≤ 10,000): applied as the assign route would; corrections where the server holds another answer',
  })
  // `unknown`: checked item by item, so one bad exposure cannot reject the batch.
  async exposures(@Body() body: unknown): Promise<ExposureReport> {
    return this.sdk.recordExposures(body);
  }

  @Post('assignments/lookup')
  @HttpCode(200)
  @ApiBody({ type: SdkLookupRequest })
  @ApiOkResponse({ type: SdkLookupResponse })
  @ApiOperation({ summary: 'Which of these users hold an assignment, and in which variant (no exposure is counted)' })
  async lookup(@Body() body: unknown): Promise<AssignmentLookup> {
    return this.sdk.lookup(body);
  }
}
