/**
 * The stable, machine-readable `code` of every error body. Clients branch on it instead of matching
 * messages; messages may change, codes do not. Listed for users in docs/api-errors.md (a test keeps
 * the two in step). A new code is added here, to that page, and nowhere else.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, description: 'The request failed validation; `details` lists each field and problem' },
  INVALID_JSON: {
    status: 400,
    description: 'The body is not valid JSON, is empty, nests deeper than 64 levels or uses a forbidden field name such as `__proto__`',
  },
  INVALID_URL: { status: 400, description: 'The URL is malformed (bad percent-encoding)' },
  USER_NOT_ASSIGNED: { status: 400, description: 'An event for a user who was never assigned to the experiment' },
  UNAUTHORIZED: { status: 401, description: 'Bearer token missing or not valid' },
  FORBIDDEN: { status: 403, description: 'A client token on a route that needs the admin token' },
  NOT_FOUND: { status: 404, description: 'No such route, action or record' },
  EXPERIMENT_NOT_FOUND: { status: 404, description: 'No experiment with this id or key' },
  ROLLOUT_NOT_FOUND: { status: 404, description: 'No rollout with this id (or no rollout for this model version)' },
  ALERT_NOT_FOUND: { status: 404, description: 'No alert with this id' },
  WEBHOOK_NOT_FOUND: { status: 404, description: 'No webhook subscription with this id' },
  DELIVERY_NOT_FOUND: { status: 404, description: 'No delivery with this id for this webhook' },
  CONFLICT: { status: 409, description: 'Conflicts with the current state of a record' },
  ILLEGAL_TRANSITION: {
    status: 409,
    description: 'The status does not allow this transition or command; the body carries `status` and `allowed`',
  },
  CHANGE_NOT_ALLOWED: {
    status: 409,
    description: 'The field may not change in the current status (e.g. variants of a running experiment)',
  },
  EXPERIMENT_RUNNING: { status: 409, description: 'A running experiment cannot be deleted: pause or complete it first' },
  EXPERIMENT_CLOSED: { status: 409, description: 'Events are accepted only while the experiment is running or paused' },
  ROLLOUT_CLOSED: { status: 409, description: 'Health data is accepted only while the rollout is scheduled, running or paused' },
  KEY_TAKEN: { status: 409, description: 'The experiment key is already taken' },
  NAME_TAKEN: { status: 409, description: 'The experiment or rollout name is already taken' },
  MODEL_VERSION_TAKEN: { status: 409, description: 'The model version already has an unfinished rollout' },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The body or a batch is larger than the route allows' },
  URI_TOO_LONG: { status: 414, description: 'A path parameter is longer than 500 characters' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'The Content-Type is not application/json' },
  RATE_LIMITED: { status: 429, description: 'Too many requests for this token (or address); wait for `Retry-After` seconds' },
  INTERNAL_ERROR: { status: 500, description: 'A bug: the body carries an `errorId` that is in the log too' },
  SERVICE_UNAVAILABLE: { status: 503, description: 'Shutting down or overloaded; retry after `Retry-After` (possibly on another replica)' },
  DATABASE_UNAVAILABLE: { status: 503, description: 'PostgreSQL cannot be reached; retry after `Retry-After`' },
  RETRY_CONFLICT: { status: 503, description: 'A concurrent update conflicted (serialization failure or deadlock); retry' },
  QUERY_TIMEOUT: { status: 503, description: 'A database query took too long; retry' },
  BAD_REQUEST: { status: 400, description: 'Any other client error without a more specific code (the status tells which)' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** The code of an error nothing more specific was said about: by its status. */
export function defaultErrorCode(statusCode: number): ErrorCode {
  return BY_STATUS[statusCode] ?? (statusCode < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR');
}
