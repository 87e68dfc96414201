import { allowedActions, definitionOf, LifecycleAction } from './experiment-rules';
import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import type { Actor } from '../common/auth/access.decorator';
import { PageOf } from '../common/pagination';
import {
  ANALYSIS_KINDS,
  CORRECTIONS,
  EXPERIMENT_STATUSES,
  METRIC_GOALS,
  METRIC_ROLES,
  METRIC_TYPES,
  type AnalysisKind,
  type Correction,
  type Experiment,
  type ExperimentStatus,
  type MetricGoal,
  type MetricRole,
  type MetricType,
} from './experiment.model';

const nullableString = { type: String, nullable: true } as const;
const nullableDate = { type: String, format: 'date-time', nullable: true } as const;

export class VariantResponse {
  @ApiProperty({ example: 'control' }) name: string;
  @ApiProperty({ example: 0.5 }) weight: number;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { color: 'blue' } }) config: Record<string, unknown>;
}

export class MetricResponse {
  @ApiProperty({ example: 'purchase' }) name: string;
  @ApiProperty({ enum: METRIC_TYPES, enumName: 'MetricType' }) type: MetricType;
  @ApiProperty({ enum: METRIC_GOALS, enumName: 'MetricGoal' }) goal: MetricGoal;
  @ApiProperty({ enum: METRIC_ROLES, enumName: 'MetricRole' }) role: MetricRole;
}

export class ExperimentResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'checkout-button' }) key: string;
  @ApiProperty({ example: 'Checkout button colour' }) name: string;
  @ApiProperty(nullableString) description: string | null;
  @ApiProperty(nullableString) hypothesis: string | null;
  @ApiProperty({ enum: EXPERIMENT_STATUSES, enumName: 'ExperimentStatus' }) status: ExperimentStatus;
  @ApiProperty({ type: [VariantResponse] }) variants: VariantResponse[];
  @ApiProperty({ example: 'control' }) controlVariant: string;
  @ApiProperty({ example: 1, minimum: 0, maximum: 1 }) trafficAllocation: number;
  @ApiProperty({ type: [MetricResponse] }) metrics: MetricResponse[];
  @ApiProperty({ example: 100 }) minimumSampleSize: number;
  @ApiProperty({ example: 0.95 }) confidenceLevel: number;
  @ApiProperty({ enum: ANALYSIS_KINDS, enumName: 'AnalysisKind' }) analysis: AnalysisKind;
  @ApiProperty({ enum: CORRECTIONS, enumName: 'Correction' }) correction: Correction;
  @ApiProperty({ example: 'checkout-button' }) hashSeed: string;
  @ApiProperty(nullableString) winner: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty(nullableDate) startedAt: string | null;
  @ApiProperty(nullableDate) pausedAt: string | null;
  @ApiProperty(nullableDate) completedAt: string | null;
  @ApiProperty({
    enum: ['start', 'pause', 'resume', 'complete'],
    enumName: 'ExperimentAction',
    isArray: true,
    description: 'The lifecycle actions its status accepts now (POST /api/v1/experiments/:idOrKey/<action>)',
  })
  allowedActions: LifecycleAction[];
}

export class ExperimentPage extends PageOf(ExperimentResponse) {}

/** Any JSON value: what a changed field held. */
const ANY_JSON = {
  nullable: true,
  oneOf: [
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'array', items: {} },
    { type: 'object', additionalProperties: true },
  ],
};

export class FieldChange {
  @ApiProperty({ ...ANY_JSON, description: 'Value before the change' }) from: unknown;
  @ApiProperty({ ...ANY_JSON, description: 'Value after the change' }) to: unknown;
}

@ApiExtraModels(FieldChange)
export class ExperimentHistoryResponse {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ example: 'started', description: 'created, updated, started, paused, resumed or completed' }) action: string;
  @ApiProperty({ enum: EXPERIMENT_STATUSES, enumName: 'ExperimentStatus', nullable: true }) from: ExperimentStatus | null;
  @ApiProperty({ enum: EXPERIMENT_STATUSES, enumName: 'ExperimentStatus', nullable: true }) to: ExperimentStatus | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: { $ref: getSchemaPath(FieldChange) },
    description: 'Per changed field, its value before and after (updates only)',
  })
  changes: Record<string, FieldChange> | null;
  @ApiProperty({ enum: ['admin', 'client', 'scheduler'], enumName: 'Actor' }) actor: Actor;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function toExperimentResponse(e: Experiment): ExperimentResponse {
  return {
    id: e.id,
    ...definitionOf(e),
    status: e.status,
    winner: e.winner,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
    startedAt: iso(e.startedAt),
    pausedAt: iso(e.pausedAt),
    completedAt: iso(e.completedAt),
    allowedActions: allowedActions(e.status),
  };
}
