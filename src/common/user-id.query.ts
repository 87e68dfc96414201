import { ApiProperty } from '@nestjs/swagger';
import { MAX_USER_ID_LENGTH, parseFlatInput, requiredText } from './input-checks';

const USER_ID_FIELDS = { userId: requiredText(MAX_USER_ID_LENGTH) };

/**
 * `?userId=` of the variant lookup and of the rollout checks: parsed on every such request, so it is
 * checked by hand (`fromInput`, used by RequestValidationPipe) instead of by class-validator.
 */
export class UserIdQuery {
  @ApiProperty({ example: 'u-1', minLength: 1, maxLength: MAX_USER_ID_LENGTH })
  userId: string;

  static fromInput(raw: unknown): UserIdQuery {
    return Object.assign(new UserIdQuery(), parseFlatInput(raw, USER_ID_FIELDS));
  }
}
