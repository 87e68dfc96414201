import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Page } from '../common/pagination';
import { AlertPage, AlertResponse, toAlertResponse } from './alert.response';
import { AlertsService } from './alerts.service';
import { ListAlertsQuery } from './dto/list-alerts.query';

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('api/v1/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @ApiOperation({ summary: 'Alerts (automatic rollbacks, SRM, guardrail failures), newest first' })
  @ApiOkResponse({ type: AlertPage })
  async list(@Query() query: ListAlertsQuery): Promise<Page<AlertResponse>> {
    const page = await this.alerts.list(query);
    return { ...page, items: page.items.map(toAlertResponse) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One alert' })
  @ApiOkResponse({ type: AlertResponse })
  async get(@Param('id') id: string): Promise<AlertResponse> {
    return toAlertResponse(await this.alerts.get(id));
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @ApiOperation({ summary: 'open → acknowledged (someone is on it)' })
  @ApiOkResponse({ type: AlertResponse })
  async acknowledge(@Param('id') id: string): Promise<AlertResponse> {
    return toAlertResponse(await this.alerts.acknowledge(id));
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'open | acknowledged → resolved; a new alert of the same kind may then be raised' })
  @ApiOkResponse({ type: AlertResponse })
  async resolve(@Param('id') id: string): Promise<AlertResponse> {
    return toAlertResponse(await this.alerts.resolve(id));
  }
}
