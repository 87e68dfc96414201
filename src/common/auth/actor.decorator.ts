import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Actor } from './access.decorator';
import type { AuthenticatedRequest } from './auth.guard';

/** Who is calling, as recorded in history rows: set by AuthGuard from the token's scope. */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().actor ?? 'admin';
});
