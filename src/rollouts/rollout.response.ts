import type { Actor } from '../common/auth/access.decorator';
import type { RolloutHistoryEntity } from './rollout-history.entity';
import type { RolloutEntity } from './rollout.entity';
import type { HealthThresholds, LastHealth, RolloutAction, RolloutStage, RolloutStatus } from './rollout.model';

export interface RolloutResponse {
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

export interface RolloutHistoryResponse {
  at: string;
  action: RolloutAction;
  fromPercentage: number | null;
  toPercentage: number | null;
  stage: number | null;
  reason: string | null;
  health: LastHealth | null;
  actor: Actor;
}

export interface RolloutCheckResponse {
  rolloutId: string;
  modelVersion: string;
  userId: string;
  useNewModel: boolean;
  percentage: number;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function toRolloutResponse(r: RolloutEntity): RolloutResponse {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    modelVersion: r.modelVersion,
    baselineVersion: r.baselineVersion,
    status: r.status,
    percentage: r.percentage,
    currentStage: r.currentStage,
    stageStartedAt: iso(r.stageStartedAt),
    schedule: { startTime: iso(r.startTime), stages: r.stages },
    // jsonb does not keep key order; the API answers in the contract's order.
    healthThresholds: {
      maxErrorRate: r.healthThresholds.maxErrorRate,
      maxLatencyMs: r.healthThresholds.maxLatencyMs,
      minAccuracy: r.healthThresholds.minAccuracy,
      minRequests: r.healthThresholds.minRequests,
    },
    webhookUrl: r.webhookUrl,
    lastHealth: r.lastHealth,
    rollbackReason: r.rollbackReason,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    startedAt: iso(r.startedAt),
    completedAt: iso(r.completedAt),
  };
}

export function toRolloutHistoryResponse(h: RolloutHistoryEntity): RolloutHistoryResponse {
  return {
    at: h.at.toISOString(),
    action: h.action,
    fromPercentage: h.fromPercentage,
    toPercentage: h.toPercentage,
    stage: h.stage,
    reason: h.reason,
    health: h.health,
    actor: h.actor,
  };
}
