import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AssignDto } from '../assignments/dto/assign.dto';
import { Access } from '../common/auth/access.decorator';
import { DecideService } from './decide.service';
import { DecideResponse } from './decide.response';

@ApiTags('assignment')
@ApiBearerAuth()
@Access('client')
@Controller('api/v1/decide')
export class DecideController {
  constructor(private readonly decide: DecideService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Every running experiment and active rollout for one user, in one call' })
  @ApiOkResponse({ type: DecideResponse })
  async decideFor(@Body() dto: AssignDto): Promise<DecideResponse> {
    return this.decide.decide(dto.userId);
  }
}
