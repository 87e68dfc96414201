import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ResultsQuery, TimeseriesQuery } from './dto/results.query';
import { SampleSizeQuery } from './dto/sample-size.query';
import { ResultsResponse, ResultsService, TimeseriesResponse } from './results.service';

@ApiTags('results')
@ApiBearerAuth()
@Controller('api/v1')
export class ResultsController {
  constructor(private readonly results: ResultsService) {}

  @Get('experiments/:idOrKey/results')
  @ApiOperation({ summary: 'Statistical results: intervals, lift, corrected p-values, SRM, decision and winner' })
  async get(@Param('idOrKey') idOrKey: string, @Query() query: ResultsQuery): Promise<ResultsResponse> {
    return this.results.results(idOrKey, query);
  }

  @Get('experiments/:idOrKey/stats')
  @ApiOperation({ summary: 'Alias of /results' })
  async stats(@Param('idOrKey') idOrKey: string, @Query() query: ResultsQuery): Promise<ResultsResponse> {
    return this.results.results(idOrKey, query);
  }

  @Get('experiments/:idOrKey/results/timeseries')
  @ApiOperation({ summary: 'Cumulative results by day or hour for one metric (default: primary)' })
  async timeseries(@Param('idOrKey') idOrKey: string, @Query() query: TimeseriesQuery): Promise<TimeseriesResponse> {
    return this.results.timeseries(idOrKey, query);
  }

  @Get('stats/sample-size')
  @ApiOperation({ summary: 'Users per variant needed to detect an effect (conversion or mean metric)' })
  sampleSize(@Query() query: SampleSizeQuery): { perVariant: number; total: number; inputs: Record<string, unknown> } {
    return this.results.sampleSize(query);
  }
}
