import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../common/auth/access.decorator';
import { InvalidInputError } from '../common/errors';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { BatchDto, ConversionDto, TrackEventDto } from './dto/track-event.dto';
import { EventInput, normalizeEvent, Parsed } from './event-input';
import { EventsService } from './events.service';
import { BatchResponse, ConversionResponse, EventCountsResponse, TrackResponse } from './event.response';

function valid(parsed: Parsed<EventInput>): EventInput {
  if (!parsed.ok) throw InvalidInputError.fromProblems(parsed.problems);
  return parsed.value;
}

@ApiTags('events')
@ApiBearerAuth()
@Access('client')
@Controller('api/v1')
export class EventsController {
  constructor(
    private readonly events: EventsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  // Static segment: Fastify matches it before any `experiments/:idOrKey` route.
  @Post('experiments/conversions')
  @HttpCode(202)
  @ApiOperation({ summary: 'Record one outcome (seed-001 form)' })
  @ApiAcceptedResponse({ type: ConversionResponse })
  async conversion(@Body() dto: ConversionDto): Promise<ConversionResponse> {
    const event = valid(
      normalizeEvent(
        {
          userId: dto.userId,
          eventName: dto.metricName,
          value: dto.value,
          properties: dto.metadata,
          eventId: dto.eventId,
          timestamp: dto.timestamp,
        },
        new Date(),
        { eventName: 'metricName', properties: 'metadata' },
        this.config.eventBackfillDays,
      ),
    );
    const { experiment, variant, duplicate } = await this.events.track(dto.experimentId, event);
    return {
      status: 'recorded',
      experimentId: experiment.id,
      experimentKey: experiment.key,
      userId: dto.userId,
      variant,
      metricName: dto.metricName,
      duplicate,
    };
  }

  @Post('experiments/:idOrKey/track')
  @HttpCode(202)
  @ApiOperation({ summary: 'Record one event of an assigned user; a repeated eventId is stored once' })
  @ApiAcceptedResponse({ type: TrackResponse })
  async track(@Param('idOrKey') idOrKey: string, @Body() dto: TrackEventDto): Promise<TrackResponse> {
    const event = valid(normalizeEvent(dto, new Date(), undefined, this.config.eventBackfillDays));
    const { variant, duplicate } = await this.events.track(idOrKey, event);
    return { status: 'recorded', variant, duplicate };
  }

  @Post('events/batch')
  @HttpCode(200)
  @ApiBody({ type: BatchDto })
  @ApiOperation({
    summary: 'Record up to 10,000 events; valid ones are stored even when others are rejected',
    description: 'Each event is checked on its own: `rejected` lists the index and reason of each refused event.',
  })
  // `unknown`: the global ValidationPipe skips it, so one bad event cannot reject the batch.
  @ApiOkResponse({ type: BatchResponse })
  async batch(@Body() body: unknown): Promise<BatchResponse> {
    return this.events.ingestBatch(body);
  }
}

@ApiTags('results')
@ApiBearerAuth()
@Controller('api/v1/experiments')
export class EventCountsController {
  constructor(private readonly events: EventsService) {}

  @Get(':idOrKey/metrics')
  @ApiOperation({ summary: 'Descriptive per-variant counts: users, exposures, and per event name users, count, sum, mean, rate' })
  @ApiOkResponse({ type: EventCountsResponse })
  async metrics(@Param('idOrKey') idOrKey: string): Promise<EventCountsResponse> {
    return this.events.metricsFor(idOrKey);
  }
}
