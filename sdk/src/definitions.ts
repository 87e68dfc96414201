/**
 * The body of `GET /api/v1/sdk/definitions`: everything the SDK needs to decide locally. The server
 * builds it (src/sdk/), the SDK reads it; the e2e tests check that the two agree.
 */
export type DefinedExperimentStatus = 'running' | 'paused' | 'completed';

export interface DefinedVariant {
  name: string;
  weight: number;
  config: Record<string, unknown>;
}

export interface DefinedExperiment {
  id: string;
  key: string;
  status: DefinedExperimentStatus;
  hashSeed: string;
  trafficAllocation: number;
  /**
   * The largest traffic allocation the experiment ever ran with: only users inside it can hold an
   * assignment, so users outside it are known not to be enrolled whatever happened before.
   */
  allocationHighWater: number;
  variants: DefinedVariant[];
  controlVariant: string;
  winner: string | null;
  /** Changes with every change of the experiment: what the SDK learned about absent users holds for one revision. */
  updatedAt: string;
}

export type DefinedRolloutStatus = 'running' | 'paused' | 'completed';

export interface DefinedRollout {
  id: string;
  modelVersion: string;
  baselineVersion: string;
  status: DefinedRolloutStatus;
  percentage: number;
  /** The bucketing seed (the rollout id, contract §6). */
  seed: string;
}

export interface Definitions {
  experiments: DefinedExperiment[];
  rollouts: DefinedRollout[];
}

/** `POST /api/v1/sdk/exposures`. */
export interface ExposureItem {
  experiment: string;
  userId: string;
  variant: string;
  /** How many answers served this variant to this user since the last report (default 1). */
  count?: number;
  at?: string;
}

export interface ExposureCorrection {
  index: number;
  experiment: string;
  userId: string;
  /** The server's variant for this user, or null: the server holds no assignment and made none. */
  variant: string | null;
}

export interface ExposureReport {
  accepted: number;
  duplicate: boolean;
  rejected: { index: number; error: string }[];
  corrections: ExposureCorrection[];
}

/** `POST /api/v1/sdk/assignments/lookup`: the variants of the users who hold an assignment. */
export interface AssignmentLookup {
  experimentId: string;
  assignments: Record<string, string>;
}
