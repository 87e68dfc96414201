import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { RouteSchema } from '@nestjs/platform-fastify';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../common/auth/access.decorator';
import { AssignmentsService } from './assignments.service';
import { UserIdQuery } from '../common/user-id.query';
import { AssignDto } from './dto/assign.dto';
import { AssignResponse } from './assignment.response';
import { ASSIGN_ROUTE_SCHEMA } from './assign-result.schema';

@ApiTags('assignment')
@ApiBearerAuth()
@Access('client')
@Controller('api/v1/experiments')
export class AssignmentsController {
  constructor(private readonly assignments: AssignmentsService) {}

  @Post(':idOrKey/assign')
  @HttpCode(200)
  @RouteSchema(ASSIGN_ROUTE_SCHEMA)
  @ApiOperation({ summary: 'Put a user into a variant (deterministic, sticky, durable)' })
  @ApiOkResponse({ type: AssignResponse })
  async assign(@Param('idOrKey') idOrKey: string, @Body() dto: AssignDto): Promise<AssignResponse> {
    return this.assignments.assign(idOrKey, dto.userId);
  }

  @Get(':idOrKey/variant')
  @RouteSchema(ASSIGN_ROUTE_SCHEMA)
  @ApiOperation({ summary: 'Same as assign, as a GET (seed-000 form)' })
  @ApiOkResponse({ type: AssignResponse })
  async variant(@Param('idOrKey') idOrKey: string, @Query() query: UserIdQuery): Promise<AssignResponse> {
    return this.assignments.assign(idOrKey, query.userId);
  }
}
