import { FieldProblem, InvalidInputError } from '../common/errors';
import { isPlainObject } from '../common/input-checks';

/**
 * Bounds on the health data clients send (aggregated reports and raw observations), so that one
 * client cannot bury a failing model under an absurd count (`requests: 9e15` would dilute any error
 * rate to zero) or a unit mistake. Pure: no framework, no database. Documented in docs/decisions/011.
 */

/** Requests, errors, labeled and correct of one report: a billion requests per report window is already far more than one replica serves. */
export const MAX_REPORT_COUNT = 1_000_000_000;
/** A latency above an hour (in milliseconds) is a unit mistake, not a measurement. */
export const MAX_LATENCY_MS = 3_600_000;
/** A report window may end at most this far after the server's clock (clock skew), as event timestamps (§4). */
export const MAX_WINDOW_FUTURE_MS = 5 * 60_000;
/** No window of a model served today started before 2000. */
export const EARLIEST_WINDOW = new Date(Date.UTC(2000, 0, 1));
export const MAX_OBSERVATIONS = 10_000;

export interface HealthReportInput {
  requests: number;
  errors: number;
  latencyP95Ms?: number | null;
  labeled?: number;
  correct?: number;
  windowStart?: string;
  windowEnd?: string;
}

export interface HealthReport {
  requests: number;
  errors: number;
  latencyP95Ms: number | null;
  labeled: number;
  correct: number;
  windowStart: Date | null;
  windowEnd: Date | null;
}

/**
 * A report whose fields each passed their own check (the DTO: non-negative integers ≤ MAX_REPORT_COUNT,
 * latency ≤ MAX_LATENCY_MS, ISO dates), checked as a whole: errors ≤ requests, correct ≤ labeled, a
 * window in order and not outside [2000, now + 5 min]. Every problem → one 400.
 */
export function checkHealthReport(input: HealthReportInput, now: Date): HealthReport {
  const report: HealthReport = {
    requests: input.requests,
    errors: input.errors,
    latencyP95Ms: input.latencyP95Ms ?? null,
    labeled: input.labeled ?? 0,
    correct: input.correct ?? 0,
    windowStart: input.windowStart !== undefined ? new Date(input.windowStart) : null,
    windowEnd: input.windowEnd !== undefined ? new Date(input.windowEnd) : null,
  };
  const problems: FieldProblem[] = [];
  if (report.errors > report.requests) problems.push({ field: 'errors', problem: `must be ≤ requests (${report.requests})` });
  if (report.correct > report.labeled) problems.push({ field: 'correct', problem: `must be ≤ labeled (${report.labeled})` });
  const latest = now.getTime() + MAX_WINDOW_FUTURE_MS;
  for (const field of ['windowStart', 'windowEnd'] as const) {
    const at = report[field];
    if (at === null) continue;
    if (Number.isNaN(at.getTime())) problems.push({ field, problem: 'must be a valid ISO-8601 date' });
    else if (at.getTime() > latest)
      problems.push({ field, problem: `must not be more than 5 minutes in the future (now is ${now.toISOString()})` });
    else if (at.getTime() < EARLIEST_WINDOW.getTime())
      problems.push({ field, problem: `must not be before ${EARLIEST_WINDOW.toISOString()}` });
  }
  if (report.windowStart && report.windowEnd && report.windowStart.getTime() > report.windowEnd.getTime()) {
    problems.push({ field: 'windowEnd', problem: 'must not be before windowStart' });
  }
  if (problems.length > 0) throw InvalidInputError.fromProblems(problems);
  return report;
}

export interface ObservationColumns {
  latencyMs: Array<number | null>;
  error: boolean[];
  correct: Array<boolean | null>;
}

const OBSERVATION_KEYS = new Set(['latencyMs', 'error', 'correct']);
const MAX_REPORTED_PROBLEMS = 20;

/** Hand-written check of up to 10,000 items: a few microseconds each instead of class-validator's milliseconds. */
export function parseObservations(items: unknown[]): ObservationColumns {
  if (items.length === 0) throw InvalidInputError.fromProblems([{ field: 'observations', problem: 'must contain at least 1 observation' }]);
  if (items.length > MAX_OBSERVATIONS) {
    throw InvalidInputError.fromProblems([
      { field: 'observations', problem: `must contain at most ${MAX_OBSERVATIONS} observations per call, got ${items.length}` },
    ]);
  }
  const latencyMs: Array<number | null> = [];
  const error: boolean[] = [];
  const correct: Array<boolean | null> = [];
  const problems: FieldProblem[] = [];
  const problem = (field: string, text: string): void => {
    if (problems.length < MAX_REPORTED_PROBLEMS) problems.push({ field, problem: text });
  };
  items.forEach((item, i) => {
    const at = `observations[${i}]`;
    if (!isPlainObject(item)) {
      problem(at, 'must be an object');
      return;
    }
    const o = item as Record<string, unknown>;
    for (const key of Object.keys(o)) if (!OBSERVATION_KEYS.has(key)) problem(`${at}.${key}`, 'is not a known field');
    const latency = o.latencyMs;
    if (
      latency !== undefined &&
      latency !== null &&
      !(typeof latency === 'number' && Number.isFinite(latency) && latency >= 0 && latency <= MAX_LATENCY_MS)
    ) {
      problem(`${at}.latencyMs`, `must be a finite number from 0 to ${MAX_LATENCY_MS} (one hour in ms)`);
    }
    if (o.error !== undefined && typeof o.error !== 'boolean') problem(`${at}.error`, 'must be a boolean');
    if (o.correct !== undefined && o.correct !== null && typeof o.correct !== 'boolean')
      problem(`${at}.correct`, 'must be a boolean or null');
    latencyMs.push(typeof latency === 'number' ? latency : null);
    error.push(o.error === true);
    correct.push(typeof o.correct === 'boolean' ? o.correct : null);
  });
  if (problems.length > 0) throw InvalidInputError.fromProblems(problems);
  return { latencyMs, error, correct };
}
