import { defaultErrorCode, type ErrorCode } from './error-codes';

/** One problem with one field of a request, as in the contract's `details`. */
export interface FieldProblem {
  field: string;
  problem: string;
}

/**
 * Domain errors thrown by services; `HttpErrorFilter` turns each into the contract's error body.
 * `extra` fields (e.g. `allowed`, `validStatuses`) are added to the body as they are. `code` is the
 * body's machine-readable code (src/common/error-codes.ts); without one, the status decides it.
 */
export abstract class DomainError extends Error {
  abstract readonly statusCode: number;
  constructor(
    message: string,
    readonly details?: FieldProblem[],
    readonly extra?: Record<string, unknown>,
    private readonly specificCode?: ErrorCode,
  ) {
    super(message);
    this.name = new.target.name;
  }

  get code(): ErrorCode {
    return this.specificCode ?? defaultErrorCode(this.statusCode);
  }
}

export class InvalidInputError extends DomainError {
  readonly statusCode = 400;

  static fromProblems(problems: FieldProblem[]): InvalidInputError {
    const summary = problems
      .slice(0, 3)
      .map((p) => `${p.field} ${p.problem}`)
      .join('; ');
    return new InvalidInputError(problems.length > 3 ? `${summary}; …` : summary, problems);
  }
}

export class NotFoundError extends DomainError {
  readonly statusCode = 404;

  static experiment(idOrKey: string): NotFoundError {
    return new NotFoundError(`Experiment ${idOrKey} not found`, undefined, undefined, 'EXPERIMENT_NOT_FOUND');
  }

  static rollout(id: string): NotFoundError {
    return new NotFoundError(`Rollout ${id} not found`, undefined, undefined, 'ROLLOUT_NOT_FOUND');
  }

  static alert(id: string): NotFoundError {
    return new NotFoundError(`Alert ${id} not found`, undefined, undefined, 'ALERT_NOT_FOUND');
  }

  static webhook(id: string): NotFoundError {
    return new NotFoundError(`Webhook ${id} not found`, undefined, undefined, 'WEBHOOK_NOT_FOUND');
  }
}

export class ConflictError extends DomainError {
  readonly statusCode = 409;
}

export class PayloadTooLargeError extends DomainError {
  readonly statusCode = 413;
}

export class ServiceUnavailableError extends DomainError {
  readonly statusCode = 503;
}
