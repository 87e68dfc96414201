import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { InvalidInputError } from '../common/errors';
import { normalizeExperimentShorthand } from './experiment-rules';

/**
 * Rewrites the seed-000 shorthand body into the canonical form. Interceptors run before pipes,
 * so the validation pipe only ever sees one shape.
 */
@Injectable()
export class ExperimentShorthandInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const { body, problems } = normalizeExperimentShorthand(request.body);
    if (problems.length > 0) throw InvalidInputError.fromProblems(problems);
    request.body = body;
    return next.handle();
  }
}
