import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ResultsQuery, TimeseriesQuery } from './dto/results.query';
import { SampleSizeQuery } from './dto/sample-size.query';
import { ResultsService } from './results.service';
import { ResultsResponse, SampleSizeResponse, TimeseriesResponse } from './results.response';

@ApiTags('results')
@ApiBearerAuth()
@Controller('api/v1')
export class ResultsController {
  constructor(private readonly results: ResultsService) {}

  @Get('experiments/:idOrKey/results')
  @ApiOperation({ summary: 'Statistical results: intervals, lift, corrected p-values, SRM, decision and winner' })
  @ApiOkResponse({ type: ResultsResponse })
  async get(@Param('idOrKey') idOrKey: string, @Query() query: ResultsQuery): Promise<ResultsResponse> {
    return this.results.results(idOrKey, query);
  }

  @Get('experiments/:idOrKey/stats')
  @ApiOperation({ summary: 'Alias of /results' })
  @ApiOkResponse({ type: ResultsResponse })
  async stats(@Param('idOrKey') idOrKey: string, @Query() query: ResultsQuery): Promise<ResultsResponse> {
    return this.results.results(idOrKey, query);
  }

  @Get('experiments/:idOrKey/results/timeseries')
  @ApiOperation({ summary: 'Cumulative results by day or hour for one metric (default: primary)' })
  @ApiOkResponse({ type: TimeseriesResponse })
  async timeseries(@Param('idOrKey') idOrKey: string, @Query() query: TimeseriesQuery): Promise<TimeseriesResponse> {
    return this.results.timeseries(idOrKey, query);
  }

  @Get('stats/sample-size')
  @ApiOperation({ summary: 'Users per variant needed to detect an effect (conversion or mean metric)' })
  @ApiOkResponse({ type: SampleSizeResponse })
  sampleSize(@Query() query: SampleSizeQuery): SampleSizeResponse {
    return this.results.sampleSize(query);
  }
}
