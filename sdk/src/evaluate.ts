import { BucketRange, chooseRange, variantRanges } from './bucketing/assign-variant';
import { bucketIndexFromSeedHash, seedHash } from './bucketing/hash';
import type { DefinedExperiment } from './definitions';

/** The server's reasons (contract §3), plus `not_ready`: no definitions loaded yet. */
export type AssignReason = 'assigned' | 'sticky' | 'not_in_traffic' | 'paused' | 'not_running' | 'winner' | 'completed' | 'not_ready';

export interface Assignment {
  inExperiment: boolean;
  variant: { name: string; config: Record<string, unknown> } | null;
  reason: AssignReason;
}

export const NOT_READY: Assignment = Object.freeze({ inExperiment: false, variant: null, reason: 'not_ready' });
/** A key the definitions do not hold: a draft (the server answers `not_running`), a deleted or misspelt experiment. */
export const NOT_RUNNING: Assignment = Object.freeze({ inExperiment: false, variant: null, reason: 'not_running' });

/**
 * An experiment prepared for evaluation: its ranges at the current allocation and at the largest one
 * it ever ran with, and every answer it can give built once (answers are shared, frozen objects).
 */
export interface CompiledExperiment {
  definition: DefinedExperiment;
  /** The hash state after the seed, computed once per definition. */
  seedState: number;
  rangesNow: BucketRange[];
  rangesEver: BucketRange[];
  assigned: Assignment[];
  sticky: Assignment[];
  /** Completed: the winner's (or control's) answer; otherwise the answer for a user who holds no assignment. */
  fixed: Assignment;
  /** Every evaluation built once, so deciding a user allocates nothing. */
  enrol: Evaluation[];
  ambiguous: Evaluation[];
}

export function compileExperiment(definition: DefinedExperiment): CompiledExperiment {
  const weights = definition.variants.map((v) => v.weight);
  const answer = (inExperiment: boolean, index: number, reason: AssignReason): Assignment => {
    const v = definition.variants[index];
    return Object.freeze({ inExperiment, variant: Object.freeze({ name: v.name, config: v.config }), reason });
  };
  let fixed: Assignment;
  if (definition.status === 'completed') {
    const winner = definition.winner === null ? -1 : definition.variants.findIndex((v) => v.name === definition.winner);
    const control = definition.variants.findIndex((v) => v.name === definition.controlVariant);
    fixed =
      winner >= 0
        ? answer(false, winner, 'winner')
        : control >= 0
          ? answer(false, control, 'completed')
          : Object.freeze({ inExperiment: false, variant: null, reason: 'completed' as const });
  } else {
    fixed = Object.freeze({ inExperiment: false, variant: null, reason: definition.status === 'paused' ? 'paused' : 'not_in_traffic' });
  }
  return {
    definition,
    seedState: seedHash(definition.hashSeed),
    rangesNow: variantRanges(weights, definition.trafficAllocation),
    // Running, the current allocation counts too (the server keeps the mark at least that high anyway).
    rangesEver: variantRanges(
      weights,
      definition.status === 'running'
        ? Math.max(definition.allocationHighWater, definition.trafficAllocation)
        : definition.allocationHighWater,
    ),
    assigned: definition.variants.map((_, i) => answer(true, i, 'assigned')),
    sticky: definition.variants.map((_, i) => answer(true, i, 'sticky')),
    fixed,
    enrol: definition.variants.map((_, index) => Object.freeze({ kind: 'enrol' as const, index })),
    ambiguous: definition.variants.map((_, index) => Object.freeze({ kind: 'ambiguous' as const, index })),
  };
}

/**
 * What the definitions alone say about a user the SDK knows nothing about (the server's
 * `planAssignment`, src/assignments/assignment-decision.ts, plus what the high-water mark adds):
 * - `enrol`: running and inside the allocation: the server enrols them in variant `index` (or they already are);
 * - `absent`: outside every allocation the experiment ever ran with: no assignment can exist;
 * - `ambiguous`: they may hold an assignment from before (allocation lowered since, or paused): only the server knows.
 * Completed experiments never get here (their answer is fixed).
 */
export type Evaluation = { kind: 'enrol'; index: number } | { kind: 'absent' } | { kind: 'ambiguous'; index: number };

const ABSENT: Evaluation = Object.freeze({ kind: 'absent' });

export function evaluateNewUser(experiment: CompiledExperiment, userId: string): Evaluation {
  const n = bucketIndexFromSeedHash(experiment.seedState, userId) / 10000;
  if (experiment.definition.status === 'running') {
    const index = chooseRange(n, experiment.rangesNow);
    if (index >= 0) return experiment.enrol[index];
  }
  // Ranges only grow with the allocation and never overlap, so a user inside an earlier allocation
  // is inside the high-water one, in the same variant.
  const index = chooseRange(n, experiment.rangesEver);
  return index < 0 ? ABSENT : experiment.ambiguous[index];
}

export const MAX_USER_ID_LENGTH = 256;

/** The server's rule for user ids (1–256 characters, no NUL): anything else would be a 400 there. */
export function checkUserId(userId: unknown): asserts userId is string {
  if (typeof userId !== 'string' || userId.length < 1 || userId.length > MAX_USER_ID_LENGTH || userId.includes('\u0000')) {
    throw new RangeError(`userId must be a string of 1 to ${MAX_USER_ID_LENGTH} characters without NUL`);
  }
}
