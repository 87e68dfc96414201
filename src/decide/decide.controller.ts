import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AssignDto } from '../assignments/dto/assign.dto';
import { Access } from '../common/auth/access.decorator';
import { DecideResponse, DecideService } from './decide.service';

@ApiTags('assignment')
@ApiBearerAuth()
@Access('client')
@Controller('api/v1/decide')
export class DecideController {
  constructor(private readonly decide: DecideService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Every running experiment and active rollout for one user, in one call' })
  async decideFor(@Body() dto: AssignDto): Promise<DecideResponse> {
    return this.decide.decide(dto.userId);
  }
}
