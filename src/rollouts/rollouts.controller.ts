import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { RouteSchema } from '@nestjs/platform-fastify';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Access, Actor } from '../common/auth/access.decorator';
import { CurrentActor } from '../common/auth/actor.decorator';
import { Page } from '../common/pagination';
import { CreateRolloutDto } from './dto/create-rollout.dto';
import { HealthReportDto, ObservationsDto } from './dto/health-report.dto';
import { UserIdQuery } from '../common/user-id.query';
import { ListRolloutsQuery, ReasonDto, SetPercentageDto, StartRolloutDto } from './dto/rollout-actions.dto';
import { UpdateRolloutDto } from './dto/update-rollout.dto';
import {
  HealthReportAccepted,
  ObservationsAccepted,
  RolloutCheckResponse,
  RolloutHistoryResponse,
  RolloutPage,
  RolloutResponse,
  toRolloutHistoryResponse,
  toRolloutResponse,
} from './rollout.response';
import { RolloutCatalogService } from './rollout-catalog.service';
import { ROLLOUT_CHECK_ROUTE_SCHEMA } from './rollout-check.schema';
import { RolloutHealthService } from './rollout-health.service';
import { RolloutsService } from './rollouts.service';

@ApiTags('rollouts')
@ApiBearerAuth()
@Controller('api/v1/rollouts')
export class RolloutsController {
  constructor(
    private readonly rollouts: RolloutsService,
    private readonly catalog: RolloutCatalogService,
    private readonly healthData: RolloutHealthService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a staged model rollout (draft)' })
  @ApiCreatedResponse({ type: RolloutResponse })
  async create(@Body() dto: CreateRolloutDto, @CurrentActor() actor: Actor): Promise<RolloutResponse> {
    return toRolloutResponse(await this.rollouts.create(dto, actor));
  }

  @Get()
  @ApiOperation({ summary: 'List rollouts, newest first' })
  @ApiOkResponse({ type: RolloutPage })
  async list(@Query() query: ListRolloutsQuery): Promise<Page<RolloutResponse>> {
    const page = await this.rollouts.list(query);
    return { ...page, items: page.items.map(toRolloutResponse) };
  }

  // Declared before `:id` routes so `check` is never read as an id.
  @Get('check/:modelVersion')
  @Access('client')
  @RouteSchema(ROLLOUT_CHECK_ROUTE_SCHEMA)
  @ApiOperation({ summary: 'Should this user get the new model? (by model version; served from memory)' })
  @ApiOkResponse({ type: RolloutCheckResponse })
  async checkModelVersion(@Param('modelVersion') modelVersion: string, @Query() query: UserIdQuery): Promise<RolloutCheckResponse> {
    return this.catalog.checkModelVersion(modelVersion, query.userId);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a rollout' })
  @ApiOkResponse({ type: RolloutResponse })
  async get(@Param('id') id: string): Promise<RolloutResponse> {
    return toRolloutResponse(await this.rollouts.get(id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update a rollout: any field in draft, afterwards only description and healthThresholds' })
  @ApiOkResponse({ type: RolloutResponse })
  async update(@Param('id') id: string, @Body() dto: UpdateRolloutDto, @CurrentActor() actor: Actor): Promise<RolloutResponse> {
    return toRolloutResponse(await this.rollouts.update(id, dto, actor));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a rollout with its history and health data (not while scheduled to act: running or paused → 409)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@Param('id') id: string): Promise<void> {
    await this.rollouts.remove(id);
  }

  @Post(':id/start')
  @HttpCode(200)
  @ApiOperation({ summary: 'draft | rolled_back → running at stage 0, or scheduled while startTime is in the future' })
  @ApiOkResponse({ type: RolloutResponse })
  async start(@Param('id') id: string, @Body() dto: StartRolloutDto = {}, @CurrentActor() actor: Actor): Promise<RolloutResponse> {
    return toRolloutResponse(await this.rollouts.start(id, dto ?? {}, actor));
  }

  @Put(':id/start')
  @HttpCode(200)
  @ApiOperation({ summary: 'Same as POST /:id/start' })
  @ApiOkResponse({ type: RolloutResponse })
  async putStart(@Param('id') id: string, @Body() dto: StartRolloutDto = {}, @CurrentActor() actor: Actor): Promise<RolloutResponse> {
    return this.start(id, dto, actor);
  }

  @Put(':id/percentage')
  @HttpCode(200)
  @ApiOperation({ summary: 'Manual percentage override (0–100 in 0.01 steps); the stage timer restarts' })
  @ApiOkResponse({ type: RolloutResponse })
  async setPercentage(@Param('id') id: string, @Body() dto: SetPercentageDto, @CurrentActor() actor: Actor): Promise<RolloutResponse> {
    return toRolloutResponse(await this.rollouts.setPercentage(id, dto, actor));
  }

  @Put(':id/update')
  @HttpCode(200)
  @ApiOperation({ summary: 'Alias of PUT /:id/percentage' })
  @ApiOkResponse({ type: RolloutResponse })
  async updatePercentage(@Param('id') id: string, @Body() dto: SetPercentageDto, @CurrentActor() actor: Actor): Promise<RolloutResponse> {
    return this.setPercentage(id, dto, actor);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'running → paused: the percentage stays, the scheduler leaves it alone' })
  @ApiOkResponse({ type: RolloutResponse })
  async pause(@Param('id') id: string, @Body() dto: ReasonDto = {}, @CurrentActor() actor: Actor): Promise<RolloutResponse> {
    return toRolloutResponse(await this.rollouts.pause(id, dto?.reason, actor));
  }

  @Put(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Same as POST /:id/pause' })
  @ApiOkResponse({ type: RolloutResponse })
  async putPause(@Param('id') id: string, @Body() dto: ReasonDto = {}, @CurrentActor() actor: Actor): Promise<RolloutResponse> {
    return this.pause(id, dto, actor);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'paused → running; the current stage starts over' })
  @ApiOkResponse({ type: RolloutResponse })
  async resume(@Param('id') id: string, @Body() dto: ReasonDto = {}, @CurrentActor() actor: Actor): Promise<RolloutResponse> {
    return toRolloutResponse(await this.rollouts.resume(id, dto?.reason, actor));
  }

  @Put(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Same as POST /:id/resume' })
  @ApiOkResponse({ type: RolloutResponse })
  async putResume(@Param('id') id: string, @Body() dto: ReasonDto = {}, @CurrentActor() actor: Actor): Promise<RolloutResponse> {
    return this.resume(id, dto, actor);
  }

  @Post(':id/promote')
  @HttpCode(200)
  @ApiOperation({ summary: 'Straight to 100 %, completed' })
  @ApiOkResponse({ type: RolloutResponse })
  async promote(@Param('id') id: string, @Body() dto: ReasonDto = {}, @CurrentActor() actor: Actor): Promise<RolloutResponse> {
    return toRolloutResponse(await this.rollouts.promote(id, dto?.reason, actor));
  }

  @Put(':id/promote')
  @HttpCode(200)
  @ApiOperation({ summary: 'Same as POST /:id/promote' })
  @ApiOkResponse({ type: RolloutResponse })
  async putPromote(@Param('id') id: string, @Body() dto: ReasonDto = {}, @CurrentActor() actor: Actor): Promise<RolloutResponse> {
    return this.promote(id, dto, actor);
  }

  @Post(':id/rollback')
  @HttpCode(200)
  @ApiOperation({ summary: 'Back to 0 %, rolled_back (with a reason); may be started again later' })
  @ApiOkResponse({ type: RolloutResponse })
  async rollback(@Param('id') id: string, @Body() dto: ReasonDto = {}, @CurrentActor() actor: Actor): Promise<RolloutResponse> {
    return toRolloutResponse(await this.rollouts.rollback(id, dto?.reason, actor));
  }

  @Put(':id/rollback')
  @HttpCode(200)
  @ApiOperation({ summary: 'Same as POST /:id/rollback' })
  @ApiOkResponse({ type: RolloutResponse })
  async putRollback(@Param('id') id: string, @Body() dto: ReasonDto = {}, @CurrentActor() actor: Actor): Promise<RolloutResponse> {
    return this.rollback(id, dto, actor);
  }

  @Get(':id/check')
  @Access('client')
  @RouteSchema(ROLLOUT_CHECK_ROUTE_SCHEMA)
  @ApiOperation({ summary: 'Should this user get the new model? (served from memory)' })
  @ApiOkResponse({ type: RolloutCheckResponse })
  async check(@Param('id') id: string, @Query() query: UserIdQuery): Promise<RolloutCheckResponse> {
    return this.catalog.check(id, query.userId);
  }

  @Post(':id/health')
  @Access('client')
  @HttpCode(202)
  @ApiOperation({ summary: 'Aggregated health of the new model over a window (requests, errors, p95 latency, labeled, correct)' })
  @ApiAcceptedResponse({ type: HealthReportAccepted })
  async health(@Param('id') id: string, @Body() dto: HealthReportDto): Promise<HealthReportAccepted> {
    return this.healthData.reportHealth(id, dto);
  }

  @Post(':id/observations')
  @Access('client')
  @HttpCode(202)
  @ApiOperation({ summary: 'Raw per-request outcomes of the new model (≤ 10,000 per call)' })
  @ApiAcceptedResponse({ type: ObservationsAccepted })
  async observations(@Param('id') id: string, @Body() dto: ObservationsDto): Promise<ObservationsAccepted> {
    return this.healthData.recordObservations(id, dto);
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'Every change with percentages, stage, reason, health and actor (admin, scheduler)' })
  @ApiOkResponse({ type: [RolloutHistoryResponse] })
  async history(@Param('id') id: string): Promise<RolloutHistoryResponse[]> {
    return (await this.rollouts.history(id)).map(toRolloutHistoryResponse);
  }
}
