import { FieldProblem, InvalidInputError } from './errors';

/**
 * Request checks written by hand, for the inputs parsed on every request of the hot paths (an
 * event of a batch, an assign, a decide, a rollout check) where class-validator's cost per request
 * was the largest single item. Messages follow one style: `<field> is required`, `must be a string`,
 * `must be 1 to 256 characters long`, `must be an object`, `is not a known field`, `must not contain
 * the NUL character` (U+0000).
 */

/** The contract's bound on user ids (shared/api.md §3: 1–256 characters). */
export const MAX_USER_ID_LENGTH = 256;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type FieldCheck = (problems: FieldProblem[], field: string, value: unknown) => void;

export function checkText(problems: FieldProblem[], field: string, value: unknown, max: number, required: boolean): void {
  if (value === undefined || value === null) {
    if (required) problems.push({ field, problem: 'is required' });
  } else if (typeof value !== 'string') {
    problems.push({ field, problem: 'must be a string' });
  } else if (value.length < 1 || value.length > max) {
    problems.push({ field, problem: `must be 1 to ${max} characters long` });
  } else if (value.includes('\u0000')) {
    problems.push({ field, problem: NUL_PROBLEM });
  } else if (hasLoneSurrogate(value)) {
    problems.push({ field, problem: LONE_SURROGATE_PROBLEM });
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * An unpaired UTF-16 surrogate (JSON allows "\ud800"): UTF-8 cannot encode it, so PostgreSQL would
 * store U+FFFD instead and two different ids would collide. Refused up front.
 */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

export const LONE_SURROGATE_PROBLEM = 'must not contain an unpaired UTF-16 surrogate (\\uD800-\\uDFFF)';

/** PostgreSQL text and jsonb cannot hold U+0000: refused up front, with the field named. */
export const NUL_PROBLEM = 'must not contain the NUL character (\\u0000)';

/** Absent and null are accepted (the field is optional); anything but a JSON object is not. */
export function checkObject(problems: FieldProblem[], field: string, value: unknown): void {
  if (value !== undefined && value !== null && !isPlainObject(value)) problems.push({ field, problem: 'must be an object' });
}

export const requiredText =
  (max: number): FieldCheck =>
  (problems, field, value) =>
    checkText(problems, field, value, max, true);

export const optionalObject: FieldCheck = checkObject;

/**
 * A body or query string that must be a JSON object passing `check`: every problem `check` reports
 * comes back at once, as a 400 with the contract's `details`.
 */
export function checkedInput(
  raw: unknown,
  check: (problems: FieldProblem[], raw: Record<string, unknown>) => void,
): Record<string, unknown> {
  if (!isPlainObject(raw)) throw InvalidInputError.fromProblems([{ field: 'body', problem: 'must be a JSON object' }]);
  const problems: FieldProblem[] = [];
  check(problems, raw);
  if (problems.length > 0) throw InvalidInputError.fromProblems(problems);
  return raw;
}

/** A flat body or query string checked against `fields`: unknown fields first, then each field in order. */
export function parseFlatInput(raw: unknown, fields: Readonly<Record<string, FieldCheck>>): Record<string, unknown> {
  return checkedInput(raw, (problems, input) => {
    for (const key in input) {
      if (!Object.hasOwn(fields, key)) problems.push({ field: key, problem: 'is not a known field' });
    }
    for (const field in fields) fields[field](problems, field, input[field]);
  });
}
