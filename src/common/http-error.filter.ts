import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { FastifyReply } from 'fastify';
import { isDatabaseUnavailable, postgresErrorCode } from './database-errors';
import { defaultErrorCode, type ErrorCode } from './error-codes';
import { DomainError, FieldProblem } from './errors';

export interface ErrorBody {
  statusCode: number;
  error: string;
  /** Stable and machine-readable (src/common/error-codes.ts, docs/api-errors.md): clients branch on it, not on `message`. */
  code: ErrorCode;
  message: string;
  details?: FieldProblem[];
  [extra: string]: unknown;
}

/** The contract's error body; without a specific code, the status decides it. */
export function errorBody(
  statusCode: number,
  message: string,
  code: ErrorCode = defaultErrorCode(statusCode),
  extra: Record<string, unknown> = {},
): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', code, message, ...extra };
}

const body = (statusCode: number, message: string, code?: ErrorCode, extra?: Record<string, unknown>): ErrorBody =>
  errorBody(statusCode, message, code, extra);

const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is larger than the limit for this route',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty but Content-Type is application/json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported Content-Type: send application/json',
};

/**
 * Nest turns Fastify's body-parser errors into plain HttpExceptions with Fastify's message (and
 * without its code): these two messages (fastify/lib/errors.js) are the JSON body failures.
 */
const FASTIFY_JSON_MESSAGES = new Set([
  "Body is not valid JSON but content-type is set to 'application/json'",
  "Body cannot be empty when content-type is set to 'application/json'",
]);

/** Maps every error to the contract's error body (§0). A 500 always gets an errorId that is in the log too. */
export function toErrorBody(exception: unknown, logger: Logger, requestId?: string): ErrorBody {
  if (exception instanceof DomainError) {
    return body(exception.statusCode, exception.message, exception.code, {
      ...(exception.details ? { details: exception.details } : {}),
      ...exception.extra,
    });
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    let message = exception.message;
    if (typeof response === 'object' && response !== null) {
      const raw = (response as { message?: unknown }).message;
      if (Array.isArray(raw)) message = raw.join('; ');
      else if (typeof raw === 'string') message = raw;
    } else if (typeof response === 'string') {
      message = response;
    }
    return body(status, message, status === 400 && FASTIFY_JSON_MESSAGES.has(message) ? 'INVALID_JSON' : undefined);
  }
  if (isDatabaseUnavailable(exception)) {
    logger.warn(`database unavailable: ${(exception as Error).message}`);
    return body(503, 'Database unavailable, try again shortly', 'DATABASE_UNAVAILABLE');
  }
  const pgCode = postgresErrorCode(exception);
  if (pgCode === '23505') return body(409, 'Conflicts with an existing record (unique constraint)');
  if (pgCode === '23503') return body(409, 'Refers to a record that does not exist or is still referenced');
  if (pgCode === '40001' || pgCode === '40P01') return body(503, 'Concurrent update conflict, retry the request', 'RETRY_CONFLICT');
  if (pgCode === '57014') return body(503, 'The database query took too long, try again', 'QUERY_TIMEOUT');
  if (pgCode?.startsWith('22') || pgCode === '23514' || pgCode === '23502') {
    return body(400, 'A value is out of range or malformed');
  }
  // Errors raised by Fastify itself (body parsing, size limits) carry a 4xx statusCode.
  const fastifyStatus = (exception as { statusCode?: unknown } | null)?.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    const code = (exception as { code?: string }).code ?? '';
    const invalidJson =
      exception instanceof SyntaxError || code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY';
    const message = FASTIFY_MESSAGES[code] ?? (invalidJson ? 'Request body is not valid JSON' : (exception as Error).message);
    return body(fastifyStatus, message, invalidJson ? 'INVALID_JSON' : undefined);
  }
  const errorId = randomUUID();
  logger.error({ err: exception, errorId, reqId: requestId }, `unhandled error ${errorId}`);
  return body(500, `Internal error (errorId ${errorId}); this is a bug, please report it`, 'INTERNAL_ERROR', { errorId });
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const errorBody = toErrorBody(exception, this.logger, reply.request?.id);
    if (errorBody.statusCode === 503) void reply.header('Retry-After', '1');
    void reply.status(errorBody.statusCode).header('content-type', 'application/json; charset=utf-8').send(errorBody);
  }
}
