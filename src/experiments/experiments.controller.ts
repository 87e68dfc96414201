import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/auth/access.decorator';
import { CurrentActor } from '../common/auth/actor.decorator';
import { Page } from '../common/pagination';
import { CreateExperimentDto } from './dto/create-experiment.dto';
import { ListExperimentsQuery } from './dto/list-experiments.query';
import { CompleteExperimentDto, SetStatusDto } from './dto/lifecycle.dto';
import { UpdateExperimentDto } from './dto/update-experiment.dto';
import { ExperimentShorthandInterceptor } from './experiment-shorthand.interceptor';
import { ExperimentHistoryResponse, ExperimentPage, ExperimentResponse, toExperimentResponse } from './experiment.response';
import { ExperimentsService, LifecycleAction } from './experiments.service';
import { NotFoundError } from '../common/errors';

const LIFECYCLE_ACTIONS: Record<string, LifecycleAction> = {
  start: 'start',
  pause: 'pause',
  resume: 'resume',
  complete: 'complete',
  stop: 'complete',
};

function parseLifecycleAction(action: string): LifecycleAction {
  // hasOwn: "constructor" or "__proto__" must not resolve to Object.prototype members.
  const verb = Object.hasOwn(LIFECYCLE_ACTIONS, action) ? LIFECYCLE_ACTIONS[action] : undefined;
  if (!verb) throw new NotFoundError(`Unknown action "${action}": use start, pause, resume, complete or stop`);
  return verb;
}

@ApiTags('experiments')
@ApiBearerAuth()
@Controller('api/v1/experiments')
export class ExperimentsController {
  constructor(private readonly experiments: ExperimentsService) {}

  @Post()
  @UseInterceptors(ExperimentShorthandInterceptor)
  @ApiOperation({ summary: 'Create an experiment (draft); also accepts the seed-000 shorthand body' })
  @ApiCreatedResponse({ type: ExperimentResponse })
  async create(@Body() dto: CreateExperimentDto, @CurrentActor() actor: Actor): Promise<ExperimentResponse> {
    return toExperimentResponse(await this.experiments.create(dto, actor));
  }

  @Get()
  @ApiOperation({ summary: 'List experiments, newest first' })
  @ApiOkResponse({ type: ExperimentPage })
  async list(@Query() query: ListExperimentsQuery): Promise<Page<ExperimentResponse>> {
    const page = await this.experiments.list(query);
    return { ...page, items: page.items.map(toExperimentResponse) };
  }

  @Get(':idOrKey')
  @ApiOperation({ summary: 'Get an experiment by id or key' })
  @ApiOkResponse({ type: ExperimentResponse })
  async get(@Param('idOrKey') idOrKey: string): Promise<ExperimentResponse> {
    return toExperimentResponse(await this.experiments.get(idOrKey));
  }

  @Patch(':idOrKey')
  @UseInterceptors(ExperimentShorthandInterceptor)
  @ApiOperation({ summary: 'Update an experiment (what may change depends on its status)' })
  @ApiOkResponse({ type: ExperimentResponse })
  async update(
    @Param('idOrKey') idOrKey: string,
    @Body() dto: UpdateExperimentDto,
    @CurrentActor() actor: Actor,
  ): Promise<ExperimentResponse> {
    return toExperimentResponse(await this.experiments.update(idOrKey, dto, actor));
  }

  @Put(':idOrKey')
  @UseInterceptors(ExperimentShorthandInterceptor)
  @ApiOperation({ summary: 'Same as PATCH' })
  @ApiOkResponse({ type: ExperimentResponse })
  async replace(
    @Param('idOrKey') idOrKey: string,
    @Body() dto: UpdateExperimentDto,
    @CurrentActor() actor: Actor,
  ): Promise<ExperimentResponse> {
    return this.update(idOrKey, dto, actor);
  }

  @Delete(':idOrKey')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an experiment with its assignments and events (not while running)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@Param('idOrKey') idOrKey: string): Promise<void> {
    await this.experiments.remove(idOrKey);
  }

  @Post(':idOrKey/:action')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Lifecycle: start (draft → running), pause, resume, complete or stop (= complete, optionally with { winner })',
  })
  @ApiOkResponse({ type: ExperimentResponse })
  async lifecycle(
    @Param('idOrKey') idOrKey: string,
    @Param('action') action: string,
    @Body() dto: CompleteExperimentDto = {},
    @CurrentActor() actor: Actor,
  ): Promise<ExperimentResponse> {
    const verb = parseLifecycleAction(action);
    return toExperimentResponse(await this.experiments.transition(idOrKey, verb, actor, dto?.winner));
  }

  @Put(':idOrKey/:action')
  @HttpCode(200)
  @ApiOperation({ summary: 'Same as the POST lifecycle routes' })
  @ApiOkResponse({ type: ExperimentResponse })
  async lifecycleByPut(
    @Param('idOrKey') idOrKey: string,
    @Param('action') action: string,
    @Body() dto: CompleteExperimentDto = {},
    @CurrentActor() actor: Actor,
  ): Promise<ExperimentResponse> {
    return this.lifecycle(idOrKey, action, dto, actor);
  }

  @Put(':idOrKey/status')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move to a status by name (seed-001 form)' })
  @ApiOkResponse({ type: ExperimentResponse })
  async setStatus(@Param('idOrKey') idOrKey: string, @Body() dto: SetStatusDto, @CurrentActor() actor: Actor): Promise<ExperimentResponse> {
    return toExperimentResponse(await this.experiments.setStatus(idOrKey, dto.status, actor, dto.winner));
  }

  @Get(':idOrKey/history')
  @ApiOperation({ summary: 'Every create, update and transition with who did it' })
  @ApiOkResponse({ type: [ExperimentHistoryResponse] })
  async history(@Param('idOrKey') idOrKey: string): Promise<ExperimentHistoryResponse[]> {
    return this.experiments.history(idOrKey);
  }
}
