/** SQLSTATE classes and Node socket codes that mean "PostgreSQL is not reachable right now". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection terminated unexpectedly',
  'the database system is',
  'cannot use a pool after calling end',
  'Client was closed',
];

export function isDatabaseUnavailable(error: unknown): boolean {
  // Duck-typed, not `instanceof Error`: socket errors are created by Node's core in another realm
  // than code running under jest's VM (and some drivers reject with plain objects).
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
  const cause = (error as { cause?: unknown }).cause ?? (error as { driverError?: unknown }).driverError;
  return cause !== undefined && cause !== error && isDatabaseUnavailable(cause);
}

export function postgresErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const driverCode = (error as { driverError?: { code?: unknown } } | null)?.driverError?.code;
  const value = typeof code === 'string' ? code : driverCode;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Errors caused by the values of a statement (SQLSTATE class 22, data exception, e.g. a NUL byte in
 * a text; class 23, integrity constraint violation): another statement with other values can succeed.
 */
export function isDataError(error: unknown): boolean {
  const code = postgresErrorCode(error);
  return code !== undefined && (code.startsWith('22') || code.startsWith('23'));
}
