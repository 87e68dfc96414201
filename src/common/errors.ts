/** One problem with one field of a request, as in the contract's `details`. */
export interface FieldProblem {
  field: string;
  problem: string;
}

/**
 * Domain errors thrown by services; `HttpErrorFilter` turns each into the contract's error body.
 * `extra` fields (e.g. `allowed`, `validStatuses`) are added to the body as they are.
 */
export abstract class DomainError extends Error {
  abstract readonly statusCode: number;
  constructor(
    message: string,
    readonly details?: FieldProblem[],
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
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
