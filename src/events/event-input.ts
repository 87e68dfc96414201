import type { FieldProblem } from '../common/errors';
import { checkObject, checkText, isPlainObject, MAX_USER_ID_LENGTH, NUL_PROBLEM } from '../common/input-checks';

/**
 * The rules of an incoming event (shared/api.md §4), as plain functions: the batch route checks
 * each event with them one by one (one bad event must not reject the batch), and the single-event
 * routes use the same normalisation after their DTO has checked the types.
 */
export const MAX_BATCH_EVENTS = 10_000;
/** Distinct experiments one batch may name (events and SDK exposures); items naming more are rejected one by one. */
export const MAX_BATCH_EXPERIMENTS = 100;
export const TOO_MANY_EXPERIMENTS = `names more than ${MAX_BATCH_EXPERIMENTS} distinct experiments in one batch: send it in another batch`;
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;
/** Oldest accepted timestamp by default, in days before now (EVENT_BACKFILL_DAYS; docs/security.md). */
export const DEFAULT_EVENT_BACKFILL_DAYS = 90;
/** |value| above this is refused: sums of up to billions of such values stay exact enough in float64 and numeric. */
export const MAX_ABS_EVENT_VALUE = 1e12;
const DAY_MS = 86_400_000;

/** Why a client timestamp falls outside [now − backfillDays, now + 5 min], or null when inside. */
export function timestampWindowProblem(at: Date, now: Date, backfillDays: number): string | null {
  if (at.getTime() - now.getTime() > MAX_FUTURE_SKEW_MS) return 'must not be more than 5 minutes in the future';
  if (now.getTime() - at.getTime() > backfillDays * DAY_MS) {
    return `must not be more than ${backfillDays} days in the past (EVENT_BACKFILL_DAYS)`;
  }
  return null;
}

/** Why an event value is out of bounds, or null. */
export function valueProblem(value: number): string | null {
  return Math.abs(value) > MAX_ABS_EVENT_VALUE ? 'must be between -1e12 and 1e12' : null;
}
export const MAX_PROPERTIES_JSON_LENGTH = 16 * 1024;
export const MAX_EVENT_NAME_LENGTH = 200;
export const MAX_EVENT_ID_LENGTH = 200;

/** A valid event, ready to be stored once its experiment and its user's variant are known. */
export interface EventInput {
  userId: string;
  eventName: string;
  value: number;
  /** JSON text of `properties` (already serialised to check its size), or null. */
  propertiesJson: string | null;
  eventId: string | null;
  occurredAt: Date;
}

export interface BatchEventInput extends EventInput {
  /** The experiment's id or key, as sent. */
  experiment: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

/** The fields of one event after type checks, before aliases and defaults are resolved. */
export interface RawEventFields {
  userId: string;
  eventName?: string | null;
  eventType?: string | null;
  value?: number;
  properties?: Record<string, unknown> | null;
  eventData?: Record<string, unknown> | null;
  eventId?: string | null;
  timestamp?: string | null;
}

/**
 * U+0000 as JSON.stringify writes it (the escape \u0000, not itself escaped by a backslash), which
 * jsonb refuses in keys and values alike.
 */
const ESCAPED_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/;

const TIMESTAMP_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * ISO-8601 date-time with a zone (`Z` or `±hh:mm`); date-only or zone-less strings are ambiguous.
 * Parsed by hand (it runs for every event of a batch): `Date.parse` would also accept 30 February.
 */
export function parseTimestamp(text: string): Date | null {
  const m = TIMESTAMP_PATTERN.exec(text);
  if (m === null) return null;
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const offsetHours = Number(m[9]);
    const offsetRest = Number(m[10]);
    if (offsetHours > 23 || offsetRest > 59) return null;
    offsetMinutes = (m[8] === '+' ? 1 : -1) * (offsetHours * 60 + offsetRest);
  }
  const date = new Date(0);
  date.setUTCFullYear(Number(m[1]), month - 1, day);
  // A day the month does not have rolls over into the next month.
  if (date.getUTCMonth() !== month - 1) return null;
  date.setUTCHours(hour, minute - offsetMinutes, second, millis);
  return date;
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Structural equality of JSON values, key order ignored (an alias sent with the same value is fine). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}

function pickAlias<T>(
  problems: FieldProblem[],
  name: string,
  value: T | undefined,
  aliasName: string,
  alias: T | undefined,
): T | undefined {
  if (value !== undefined && alias !== undefined && !jsonEqual(value, alias)) {
    problems.push({ field: aliasName, problem: `is an alias of ${name} and conflicts with it: send only one of them` });
  }
  return value ?? alias;
}

/**
 * Resolves aliases and defaults and applies the rules that need more than a type check.
 * `names` tells which field names the caller's route uses (conversions say metricName/metadata).
 */
export function normalizeEvent(
  fields: RawEventFields,
  now: Date,
  names: { eventName: string; properties: string } = { eventName: 'eventName', properties: 'properties' },
  backfillDays = DEFAULT_EVENT_BACKFILL_DAYS,
): Parsed<EventInput> {
  const problems: FieldProblem[] = [];
  // null means "not sent" for the optional fields (class-validator's @IsOptional lets it through).
  const eventName = pickAlias(problems, names.eventName, fields.eventName ?? undefined, 'eventType', fields.eventType ?? undefined);
  const properties = pickAlias(problems, names.properties, fields.properties ?? undefined, 'eventData', fields.eventData ?? undefined);
  const timestamp = fields.timestamp ?? undefined;
  if (eventName === undefined) {
    problems.push({
      field: names.eventName,
      problem: names.eventName === 'eventName' ? 'is required (or its alias eventType)' : 'is required',
    });
  }

  let propertiesJson: string | null = null;
  if (properties !== undefined) {
    propertiesJson = JSON.stringify(properties);
    if (propertiesJson.length > MAX_PROPERTIES_JSON_LENGTH) {
      problems.push({ field: names.properties, problem: `must be at most ${MAX_PROPERTIES_JSON_LENGTH} characters as JSON` });
    } else if (ESCAPED_NUL.test(propertiesJson)) {
      problems.push({ field: names.properties, problem: NUL_PROBLEM });
    }
  }

  let occurredAt = now;
  if (timestamp !== undefined) {
    const parsed = parseTimestamp(timestamp);
    if (parsed === null) {
      problems.push({ field: 'timestamp', problem: 'must be an ISO-8601 date-time with a time zone, e.g. 2026-11-23T10:00:00.000Z' });
    } else {
      const outside = timestampWindowProblem(parsed, now, backfillDays);
      if (outside !== null) problems.push({ field: 'timestamp', problem: outside });
      else occurredAt = parsed;
    }
  }

  if (fields.value !== undefined && Number.isFinite(fields.value)) {
    const outOfRange = valueProblem(fields.value);
    if (outOfRange !== null) problems.push({ field: 'value', problem: outOfRange });
  }

  if (problems.length > 0 || eventName === undefined) return { ok: false, problems };
  return {
    ok: true,
    value: {
      userId: fields.userId,
      eventName,
      value: fields.value ?? 1,
      propertiesJson,
      eventId: fields.eventId ?? null,
      occurredAt,
    },
  };
}

/** The fields of one event, on the track route and in a batch (which adds `experiment`). */
export const TRACK_EVENT_FIELDS: ReadonlySet<string> = new Set([
  'userId',
  'eventName',
  'eventType',
  'value',
  'properties',
  'eventData',
  'eventId',
  'timestamp',
]);

/** Unknown fields and the type and length of each known one: the checks before normalizeEvent. */
export function checkEventFields(problems: FieldProblem[], raw: Record<string, unknown>, extraField?: string): void {
  for (const key in raw) {
    if (!TRACK_EVENT_FIELDS.has(key) && key !== extraField) problems.push({ field: key, problem: 'is not a known field' });
  }
  if (extraField !== undefined) checkText(problems, extraField, raw[extraField], 200, true);
  checkText(problems, 'userId', raw.userId, MAX_USER_ID_LENGTH, true);
  checkText(problems, 'eventName', raw.eventName, MAX_EVENT_NAME_LENGTH, false);
  checkText(problems, 'eventType', raw.eventType, MAX_EVENT_NAME_LENGTH, false);
  checkText(problems, 'eventId', raw.eventId, MAX_EVENT_ID_LENGTH, false);
  checkText(problems, 'timestamp', raw.timestamp, 100, false);
  // null is refused, not defaulted to 1: a missing revenue must not be counted as 1.
  if (raw.value !== undefined && !isFiniteNumber(raw.value)) {
    problems.push({ field: 'value', problem: 'must be a finite number' });
  }
  checkObject(problems, 'properties', raw.properties);
  checkObject(problems, 'eventData', raw.eventData);
}

/**
 * Checks one element of `POST /events/batch` by hand (the same rules as the track route), without
 * rejecting the whole batch.
 */
export function parseBatchEvent(raw: unknown, now: Date, backfillDays = DEFAULT_EVENT_BACKFILL_DAYS): Parsed<BatchEventInput> {
  if (!isPlainObject(raw)) return { ok: false, problems: [{ field: 'event', problem: 'must be an object' }] };
  const problems: FieldProblem[] = [];
  checkEventFields(problems, raw, 'experiment');
  if (problems.length > 0) return { ok: false, problems };

  const normalized = normalizeEvent(raw as unknown as RawEventFields, now, undefined, backfillDays);
  if (!normalized.ok) return normalized;
  // Set in place rather than copied: this runs for every event of a batch.
  (normalized.value as BatchEventInput).experiment = raw.experiment as string;
  return normalized as Parsed<BatchEventInput>;
}

export function describeProblems(problems: FieldProblem[]): string {
  return problems.map((p) => `${p.field} ${p.problem}`).join('; ');
}
