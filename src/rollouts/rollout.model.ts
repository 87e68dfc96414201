import type { Actor } from '../common/auth/access.decorator';

/** Rollout types shared by the pure decision code, the service and the responses (no framework imports). */

export const ROLLOUT_STATUSES = ['draft', 'scheduled', 'running', 'paused', 'completed', 'rolled_back'] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];

/** Statuses that still hold the model version: at most one rollout per model version may be in one. */
export const NON_TERMINAL_STATUSES: readonly RolloutStatus[] = ['draft', 'scheduled', 'running', 'paused'];

/** Statuses in which `check` may answer `useNewModel: true` (contract §6). */
export const SERVING_STATUSES: readonly RolloutStatus[] = ['running', 'paused', 'completed'];

export const ROLLOUT_ACTIONS = [
  'created',
  'updated',
  'scheduled',
  'started',
  'advanced',
  'manual_percentage',
  'paused',
  'resumed',
  'held',
  'health_failed',
  'rolled_back',
  'promoted',
  'completed',
] as const;
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

export interface RolloutStage {
  percentage: number;
  durationHours: number;
}

/** `null` disables a check. */
export interface HealthThresholds {
  maxErrorRate: number | null;
  maxLatencyMs: number | null;
  minAccuracy: number | null;
  minRequests: number | null;
}

/** What the stage window holds: reports and observations received since the stage started. */
export interface HealthWindow {
  requests: number;
  errors: number;
  labeled: number;
  correct: number;
  /** p95 of observed latencies, or the largest reported p95 (the worse of the two when both exist). */
  latencyP95Ms: number | null;
}

export type HealthVerdict = 'healthy' | 'unhealthy' | 'waiting_for_data';

export type HealthCheckName = 'errorRate' | 'latencyP95Ms' | 'accuracy';

export interface FailedCheck {
  check: HealthCheckName;
  value: number;
  threshold: number;
  /** How the value compares with the threshold when it fails: error rate and latency above, accuracy below. */
  comparison: '>' | '<';
}

export interface HealthAssessment extends HealthWindow {
  verdict: HealthVerdict;
  errorRate: number | null;
  accuracy: number | null;
  failedChecks: FailedCheck[];
}

/** Stored as `lastHealth` after each scheduler tick that evaluated a running rollout. */
export interface LastHealth extends HealthAssessment {
  /** How many aggregated reports and raw observations the window held. */
  reports: number;
  observations: number;
  stage: number;
  percentage: number;
  windowStart: string;
  evaluatedAt: string;
}

/** What the stage window held when the scheduler measured it: the health plus how many rows made it. */
export interface WindowHealth extends HealthWindow {
  reports: number;
  observations: number;
}

/** What the hot path (check, decide) needs of a rollout, nothing more. */
export interface RolloutSnapshot {
  id: string;
  name: string;
  modelVersion: string;
  status: RolloutStatus;
  percentage: number;
}

/** What an admin defines on create and may change with PATCH (in draft; afterwards description and thresholds). */
export interface RolloutDefinition {
  name: string;
  description: string | null;
  modelVersion: string;
  baselineVersion: string | null;
  startTime: Date | null;
  stages: RolloutStage[];
  healthThresholds: HealthThresholds;
  webhookUrl: string | null;
}

/** A rollout as stored, without its id: what commands read and patch. */
export interface RolloutRecord extends RolloutDefinition {
  status: RolloutStatus;
  percentage: number;
  currentStage: number;
  stageStartedAt: Date | null;
  lastHealth: LastHealth | null;
  rollbackReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

/** The columns one command changes. */
export type RolloutPatch = Partial<RolloutRecord>;

/** One history row as a command writes it; the store adds the rollout id. */
export interface HistoryEntry {
  at: Date;
  action: RolloutAction;
  fromPercentage: number | null;
  toPercentage: number | null;
  stage: number | null;
  reason: string | null;
  health: LastHealth | null;
  actor: Actor;
}

/** What the pure decision needs to know about a rollout. */
export interface RolloutState {
  status: RolloutStatus;
  percentage: number;
  currentStage: number;
  stageStartedAt: Date | null;
  startTime: Date | null;
  stages: readonly RolloutStage[];
  healthThresholds: HealthThresholds;
}
