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
