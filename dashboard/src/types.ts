/** Response shapes of the API (contract /api/v1, mirrored from the server's response mappers). */

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface FieldProblem {
  field: string;
  problem: string;
}

export type ExperimentStatus = 'draft' | 'running' | 'paused' | 'completed';
export type MetricType = 'conversion' | 'mean';
export type MetricGoal = 'increase' | 'decrease';
export type MetricRole = 'primary' | 'secondary' | 'guardrail';
export type AnalysisKind = 'frequentist' | 'sequential' | 'bayesian';
export type Correction = 'holm' | 'bh' | 'none';

export interface Variant {
  name: string;
  weight: number;
  config: Record<string, unknown>;
}

export interface Metric {
  name: string;
  type: MetricType;
  goal: MetricGoal;
  role: MetricRole;
}

export interface Experiment {
  id: string;
  key: string;
  name: string;
  description: string | null;
  hypothesis: string | null;
  status: ExperimentStatus;
  variants: Variant[];
  controlVariant: string;
  trafficAllocation: number;
  metrics: Metric[];
  minimumSampleSize: number;
  confidenceLevel: number;
  analysis: AnalysisKind;
  correction: Correction;
  hashSeed: string;
  winner: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  pausedAt: string | null;
  completedAt: string | null;
}

export interface ExperimentHistoryEntry {
  at: string;
  action: string;
  from: ExperimentStatus | null;
  to: ExperimentStatus | null;
  changes: Record<string, { from: unknown; to: unknown }> | null;
  actor: string;
}

export type Interval = [number, number];

export interface VariantMetricSummary {
  name: string;
  users: number;
  conversions: number;
  rate: number | null;
  mean: number | null;
  stdDev: number | null;
  ci: Interval | null;
}

export interface Comparison {
  variant: string;
  control: string;
  absoluteDiff: number | null;
  absoluteCi: Interval | null;
  relativeLift: number | null;
  relativeCi: Interval | null;
  pValue: number | null;
  adjustedPValue: number | null;
  significant: boolean;
  chanceToWin: number | null;
  risk: number | null;
}

export interface MetricResult {
  name: string;
  type: MetricType;
  role: MetricRole;
  goal: MetricGoal;
  test?: string;
  variants: VariantMetricSummary[];
  overall: { test: string; statistic: number | null; dof: number; pValue: number | null } | null;
  comparisons: Comparison[];
}

export type Decision = 'winner' | 'no_winner' | 'insufficient_data' | 'srm' | 'guardrail_failure';

export interface Results {
  experimentId: string;
  key: string;
  status: ExperimentStatus;
  computedAt: string;
  analysis: AnalysisKind;
  confidenceLevel: number;
  correction: Correction;
  variants: { name: string; users: number; isControl: boolean }[];
  srm: {
    chiSquare: number | null;
    pValue: number | null;
    observed: Record<string, number>;
    expected: Record<string, number>;
    mismatch: boolean;
  };
  metrics: MetricResult[];
  sampleSize: { minimumPerVariant: number; smallestVariant: number; reached: boolean };
  decision: Decision;
  winner: string | null;
  isSignificant: boolean;
  recommendation: string;
}

export interface TimeseriesVariant {
  name: string;
  users: number;
  rate?: number | null;
  mean?: number | null;
  ci: Interval | null;
}

export interface Timeseries {
  metric: string;
  interval: 'day' | 'hour';
  points: { at: string; variants: TimeseriesVariant[]; pValue: number | null }[];
}

export type RolloutStatus = 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'rolled_back';

export interface RolloutStage {
  percentage: number;
  durationHours: number;
}

export interface HealthThresholds {
  maxErrorRate: number | null;
  maxLatencyMs: number | null;
  minAccuracy: number | null;
  minRequests: number | null;
}

export type HealthVerdict = 'healthy' | 'unhealthy' | 'waiting_for_data';

export interface FailedCheck {
  check: 'errorRate' | 'latencyP95Ms' | 'accuracy';
  value: number;
  threshold: number;
  comparison: '>' | '<';
}

export interface LastHealth {
  verdict: HealthVerdict;
  requests: number;
  errors: number;
  labeled: number;
  correct: number;
  latencyP95Ms: number | null;
  errorRate: number | null;
  accuracy: number | null;
  failedChecks: FailedCheck[];
  reports: number;
  observations: number;
  stage: number;
  percentage: number;
  windowStart: string;
  evaluatedAt: string;
}

export interface Rollout {
  id: string;
  name: string;
  description: string | null;
  modelVersion: string;
  baselineVersion: string | null;
  status: RolloutStatus;
  percentage: number;
  currentStage: number;
  stageStartedAt: string | null;
  schedule: { startTime: string | null; stages: RolloutStage[] };
  healthThresholds: HealthThresholds;
  webhookUrl: string | null;
  lastHealth: LastHealth | null;
  rollbackReason: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

export interface RolloutHistoryEntry {
  at: string;
  action: string;
  fromPercentage: number | null;
  toPercentage: number | null;
  stage: number | null;
  reason: string | null;
  health: Record<string, unknown> | null;
  actor: string;
}

export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

export interface Alert {
  id: string;
  kind: string;
  severity: 'info' | 'warning' | 'critical';
  subjectType: 'rollout' | 'experiment';
  subjectId: string;
  message: string;
  status: AlertStatus;
  createdAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
}

export type WebhookFormat = 'standard' | 'slack';
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookSubscription {
  id: string;
  url: string;
  events: string[];
  format: WebhookFormat;
  description: string | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
  previousSecretExpiresAt: string | null;
}

/** Create and rotate-secret answers: the only time the secret is shown. */
export interface WebhookWithSecret extends WebhookSubscription {
  secret: string;
}

export interface WebhookDelivery {
  id: string;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
}
