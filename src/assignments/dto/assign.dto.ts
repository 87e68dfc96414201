import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_USER_ID_LENGTH, optionalObject, parseFlatInput, requiredText } from '../../common/input-checks';

// Parsed on every assign and decide: checked by hand (`fromInput`, used by RequestValidationPipe)
// instead of by class-validator.
const ASSIGN_FIELDS = { userId: requiredText(MAX_USER_ID_LENGTH), attributes: optionalObject };

export class AssignDto {
  @ApiProperty({ example: 'u-1', minLength: 1, maxLength: MAX_USER_ID_LENGTH })
  userId: string;

  @ApiPropertyOptional({ example: { country: 'DE' }, description: 'Accepted and reserved for targeting; not used for bucketing' })
  attributes?: Record<string, unknown>;

  static fromInput(raw: unknown): AssignDto {
    return Object.assign(new AssignDto(), parseFlatInput(raw, ASSIGN_FIELDS));
  }
}
