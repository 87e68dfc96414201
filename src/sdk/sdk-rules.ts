import { createHash } from 'node:crypto';
import type { AssignPlan } from '../assignments/assignment-decision';
import type { FieldProblem } from '../common/errors';
import { checkText, isPlainObject, MAX_USER_ID_LENGTH } from '../common/input-checks';
import { DEFAULT_EVENT_BACKFILL_DAYS, describeProblems, parseTimestamp, timestampWindowProblem } from '../events/event-input';
import type { Experiment } from '../experiments/experiment.model';
import type { DefinedExperiment, DefinedRollout, Definitions, ExposureCorrection, ExposureReport } from '../../sdk/src/definitions';

/** The rules of the SDK routes as plain functions: definitions, ETags, exposure and lookup inputs. */

export const MAX_EXPOSURES_PER_BATCH = 10_000;
export const MAX_LOOKUP_USERS = 10_000;
/** One report aggregates the answers of one flush interval; more than this per user is not a real count. */
export const MAX_EXPOSURE_COUNT = 1_000_000;
const MAX_REF_LENGTH = 200;

export type SdkExperimentStatus = DefinedExperiment['status'];
export const SDK_EXPERIMENT_STATUSES: readonly SdkExperimentStatus[] = ['running', 'paused', 'completed'];

/** The columns the definitions are built from. */
export type DefinedExperimentRow = Pick<
  Experiment,
  'id' | 'key' | 'status' | 'variants' | 'controlVariant' | 'trafficAllocation' | 'hashSeed' | 'winner' | 'updatedAt'
> & { allocationHighWater: number | null };

/** An experiment as the definitions show it: what assign needs, nothing admin-only (no metrics, names, history). */
export function toDefinedExperiment(experiment: DefinedExperimentRow): DefinedExperiment {
  return {
    id: experiment.id,
    key: experiment.key,
    status: experiment.status as SdkExperimentStatus,
    hashSeed: experiment.hashSeed,
    trafficAllocation: experiment.trafficAllocation,
    allocationHighWater: experiment.allocationHighWater ?? experiment.trafficAllocation,
    variants: experiment.variants.map((v) => ({ name: v.name, weight: v.weight, config: v.config })),
    controlVariant: experiment.controlVariant,
    winner: experiment.winner,
    updatedAt: experiment.updatedAt.toISOString(),
  };
}

/** The body in one canonical order, so every replica serialises the same definitions to the same bytes (and the same ETag). */
export function serializeDefinitions(experiments: DefinedExperiment[], rollouts: DefinedRollout[]): string {
  const definitions: Definitions = {
    experiments: [...experiments].sort((a, b) => compare(a.key, b.key)),
    rollouts: [...rollouts].sort((a, b) => compare(a.modelVersion, b.modelVersion)),
  };
  return JSON.stringify(definitions);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A strong ETag: a digest of the exact bytes sent. */
export function strongEtag(body: string): string {
  return `"${createHash('sha256').update(body, 'utf8').digest('base64url')}"`;
}

/** `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `W/` is ignored, `*` matches anything. */
export function ifNoneMatchHits(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const text = Array.isArray(header) ? header.join(',') : header;
  const opaque = etag.replace(/^W\//, '');
  return text.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === opaque;
  });
}

// ── POST /sdk/exposures ──────────────────────────────────────────────────────────

export interface ExposureInput {
  experiment: string;
  userId: string;
  variant: string;
  count: number;
  at: Date;
}

export type ParsedExposure = { ok: true; value: ExposureInput } | { ok: false; error: string };

const EXPOSURE_FIELDS = new Set(['experiment', 'userId', 'variant', 'count', 'at']);

/** Checks one exposure by hand (one bad item must not reject the batch). */
export function parseExposure(raw: unknown, now: Date, backfillDays = DEFAULT_EVENT_BACKFILL_DAYS): ParsedExposure {
  if (!isPlainObject(raw)) return { ok: false, error: 'exposure must be an object' };
  const problems: FieldProblem[] = [];
  for (const key in raw) if (!EXPOSURE_FIELDS.has(key)) problems.push({ field: key, problem: 'is not a known field' });
  checkText(problems, 'experiment', raw.experiment, MAX_REF_LENGTH, true);
  checkText(problems, 'userId', raw.userId, MAX_USER_ID_LENGTH, true);
  checkText(problems, 'variant', raw.variant, MAX_REF_LENGTH, true);
  const count = raw.count ?? 1;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_EXPOSURE_COUNT) {
    problems.push({ field: 'count', problem: `must be an integer from 1 to ${MAX_EXPOSURE_COUNT}` });
  }
  let at = now;
  if (raw.at !== undefined && raw.at !== null) {
    const parsed = typeof raw.at === 'string' && raw.at.length <= 100 ? parseTimestamp(raw.at) : null;
    if (parsed === null) problems.push({ field: 'at', problem: 'must be an ISO-8601 date-time with a time zone' });
    else {
      const outside = timestampWindowProblem(parsed, now, backfillDays);
      if (outside !== null) problems.push({ field: 'at', problem: outside });
      else at = parsed;
    }
  }
  if (problems.length > 0) return { ok: false, error: describeProblems(problems) };
  return {
    ok: true,
    value: {
      experiment: raw.experiment as string,
      userId: raw.userId as string,
      variant: raw.variant as string,
      count: count as number,
      at,
    },
  };
}

/** What one valid exposure asks of the database, from the server's own plan for that user right now. */
export type ExposurePlan = { kind: 'none' } | { kind: 'write'; enrolVariant: string | null };

/** `serve` (draft, completed) writes nothing: the server would not have counted an exposure either. */
export function exposurePlan(plan: AssignPlan): ExposurePlan {
  if (plan.kind === 'serve') return { kind: 'none' };
  return { kind: 'write', enrolVariant: plan.kind === 'enrol' ? plan.variant.name : null };
}

export interface ExposureOutcome {
  index: number;
  experiment: string;
  userId: string;
  reported: string;
  /** The variant of the server's row after the write, or null when there is none. */
  held: string | null;
}

/** The response: accepted items, rejected ones by index, and every item where the server's answer differs from the report. */
export function buildExposureReport(rejected: ExposureReport['rejected'], outcomes: ExposureOutcome[]): ExposureReport {
  const corrections: ExposureCorrection[] = [];
  let accepted = 0;
  for (const outcome of outcomes) {
    if (outcome.held !== null) accepted++;
    if (outcome.held !== outcome.reported) {
      corrections.push({ index: outcome.index, experiment: outcome.experiment, userId: outcome.userId, variant: outcome.held });
    }
  }
  corrections.sort((a, b) => a.index - b.index);
  return { accepted, duplicate: false, rejected: [...rejected].sort((a, b) => a.index - b.index), corrections };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ExposureEnvelope {
  batchId: string | null;
  exposures: unknown[];
}

/** The envelope's problems (400) or its size (413) fail the whole call; the items are checked one by one later. */
export function checkExposureEnvelope(
  body: unknown,
): { ok: true; value: ExposureEnvelope } | { ok: false; tooLarge: boolean; problems: FieldProblem[] } {
  if (!isPlainObject(body))
    return { ok: false, tooLarge: false, problems: [{ field: 'body', problem: 'must be an object { "exposures": [ … ] }' }] };
  const problems: FieldProblem[] = [];
  for (const key in body) if (key !== 'exposures' && key !== 'batchId') problems.push({ field: key, problem: 'is not a known field' });
  const batchId = body.batchId ?? null;
  if (batchId !== null && (typeof batchId !== 'string' || !UUID.test(batchId)))
    problems.push({ field: 'batchId', problem: 'must be a UUID' });
  if (!Array.isArray(body.exposures)) problems.push({ field: 'exposures', problem: 'must be an array of exposures' });
  if (problems.length > 0) return { ok: false, tooLarge: false, problems };
  const exposures = body.exposures as unknown[];
  if (exposures.length > MAX_EXPOSURES_PER_BATCH) {
    return {
      ok: false,
      tooLarge: true,
      problems: [{ field: 'exposures', problem: `must contain at most ${MAX_EXPOSURES_PER_BATCH} exposures` }],
    };
  }
  return { ok: true, value: { batchId: batchId === null ? null : (batchId as string).toLowerCase(), exposures } };
}

// ── POST /sdk/assignments/lookup ─────────────────────────────────────────────────

export function checkLookup(
  body: unknown,
): { ok: true; experiment: string; userIds: string[] } | { ok: false; tooLarge: boolean; problems: FieldProblem[] } {
  if (!isPlainObject(body))
    return { ok: false, tooLarge: false, problems: [{ field: 'body', problem: 'must be an object { "experiment", "userIds": [ … ] }' }] };
  const problems: FieldProblem[] = [];
  for (const key in body) if (key !== 'experiment' && key !== 'userIds') problems.push({ field: key, problem: 'is not a known field' });
  checkText(problems, 'experiment', body.experiment, MAX_REF_LENGTH, true);
  const userIds = body.userIds;
  if (!Array.isArray(userIds)) {
    problems.push({ field: 'userIds', problem: 'must be an array of user ids' });
  } else if (userIds.length > MAX_LOOKUP_USERS) {
    return { ok: false, tooLarge: true, problems: [{ field: 'userIds', problem: `must contain at most ${MAX_LOOKUP_USERS} user ids` }] };
  } else {
    for (let i = 0; i < userIds.length && problems.length < 20; i++)
      checkText(problems, `userIds[${i}]`, userIds[i], MAX_USER_ID_LENGTH, true);
  }
  if (problems.length > 0) return { ok: false, tooLarge: false, problems };
  return { ok: true, experiment: body.experiment as string, userIds: userIds as string[] };
}
