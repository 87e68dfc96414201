import type { Actor } from '../common/auth/access.decorator';
import type { RolloutHistoryEntity } from './rollout-history.entity';
import { AdminCommandKind, ALLOWED_COMMANDS } from './rollout-command-decision';
import type { RolloutEntity } from './rollout.entity';
import { ApiProperty } from '@nestjs/swagger';
import { PageOf } from '../common/pagination';
import {
  ROLLOUT_ACTIONS,
  ROLLOUT_STATUSES,
  type HealthCheckName,
  type HealthVerdict,
  type RolloutAction,
  type RolloutStatus,
} from './rollout.model';

const nullableString = { type: String, nullable: true } as const;
const nullableNumber = { type: Number, nullable: true } as const;
const nullableDate = { type: String, format: 'date-time', nullable: true } as const;

export class RolloutStageResponse {
  @ApiProperty({ example: 5 }) percentage: number;
  @ApiProperty({ example: 24 }) durationHours: number;
}

export class RolloutScheduleResponse {
  @ApiProperty(nullableDate) startTime: string | null;
  @ApiProperty({ type: [RolloutStageResponse] }) stages: RolloutStageResponse[];
}

export class HealthThresholdsResponse {
  @ApiProperty({ ...nullableNumber, description: 'null disables the check' }) maxErrorRate: number | null;
  @ApiProperty(nullableNumber) maxLatencyMs: number | null;
  @ApiProperty(nullableNumber) minAccuracy: number | null;
  @ApiProperty(nullableNumber) minRequests: number | null;
}

export class FailedCheckResponse {
  @ApiProperty({ enum: ['errorRate', 'latencyP95Ms', 'accuracy'] }) check: HealthCheckName;
  @ApiProperty() value: number;
  @ApiProperty() threshold: number;
  @ApiProperty({ enum: ['>', '<'] }) comparison: '>' | '<';
}

export class LastHealthResponse {
  @ApiProperty({ enum: ['healthy', 'unhealthy', 'waiting_for_data'], enumName: 'HealthVerdict' }) verdict: HealthVerdict;
  @ApiProperty() requests: number;
  @ApiProperty() errors: number;
  @ApiProperty() labeled: number;
  @ApiProperty() correct: number;
  @ApiProperty(nullableNumber) latencyP95Ms: number | null;
  @ApiProperty(nullableNumber) errorRate: number | null;
  @ApiProperty(nullableNumber) accuracy: number | null;
  @ApiProperty({ type: [FailedCheckResponse] }) failedChecks: FailedCheckResponse[];
  @ApiProperty() reports: number;
  @ApiProperty() observations: number;
  @ApiProperty() stage: number;
  @ApiProperty() percentage: number;
  @ApiProperty({ format: 'date-time' }) windowStart: string;
  @ApiProperty({ format: 'date-time' }) evaluatedAt: string;
}

export class RolloutResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'ranker v2' }) name: string;
  @ApiProperty(nullableString) description: string | null;
  @ApiProperty({ example: 'v2.0.0' }) modelVersion: string;
  @ApiProperty({ ...nullableString, example: 'v1.4.2' }) baselineVersion: string | null;
  @ApiProperty({ enum: ROLLOUT_STATUSES, enumName: 'RolloutStatus' }) status: RolloutStatus;
  @ApiProperty({ example: 5 }) percentage: number;
  @ApiProperty({ example: 0 }) currentStage: number;
  @ApiProperty(nullableDate) stageStartedAt: string | null;
  @ApiProperty({ type: RolloutScheduleResponse }) schedule: RolloutScheduleResponse;
  @ApiProperty({ type: HealthThresholdsResponse }) healthThresholds: HealthThresholdsResponse;
  @ApiProperty(nullableString) webhookUrl: string | null;
  @ApiProperty({ type: LastHealthResponse, nullable: true }) lastHealth: LastHealthResponse | null;
  @ApiProperty(nullableString) rollbackReason: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty(nullableDate) startedAt: string | null;
  @ApiProperty(nullableDate) completedAt: string | null;
  @ApiProperty({
    enum: ['start', 'pause', 'resume', 'promote', 'rollback', 'percentage', 'update', 'delete'],
    enumName: 'RolloutCommandKind',
    isArray: true,
    description: 'The admin commands its status accepts now (a 409 lists the same ones as `allowed`)',
  })
  allowedActions: AdminCommandKind[];
}

export class RolloutPage extends PageOf(RolloutResponse) {}

export class RolloutHistoryResponse {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: ROLLOUT_ACTIONS, enumName: 'RolloutAction' }) action: RolloutAction;
  @ApiProperty(nullableNumber) fromPercentage: number | null;
  @ApiProperty(nullableNumber) toPercentage: number | null;
  @ApiProperty(nullableNumber) stage: number | null;
  @ApiProperty(nullableString) reason: string | null;
  @ApiProperty({ type: LastHealthResponse, nullable: true }) health: LastHealthResponse | null;
  @ApiProperty({ enum: ['admin', 'client', 'scheduler'], enumName: 'Actor' }) actor: Actor;
}

export class RolloutCheckResponse {
  @ApiProperty({ format: 'uuid' }) rolloutId: string;
  @ApiProperty({ example: 'v2.0.0' }) modelVersion: string;
  @ApiProperty({ example: 'u-1' }) userId: string;
  @ApiProperty() useNewModel: boolean;
  @ApiProperty({ example: 25 }) percentage: number;
}

export class HealthReportAccepted {
  @ApiProperty({ enum: ['recorded'] }) status: 'recorded';
  @ApiProperty({ format: 'uuid' }) rolloutId: string;
  @ApiProperty({ format: 'uuid' }) reportId: string;
}

export class ObservationsAccepted {
  @ApiProperty({ enum: ['recorded'] }) status: 'recorded';
  @ApiProperty({ format: 'uuid' }) rolloutId: string;
  @ApiProperty({ description: 'Observations stored' }) accepted: number;
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
    allowedActions: [...ALLOWED_COMMANDS[r.status]],
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
