import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ANALYSIS_KINDS,
  CORRECTIONS,
  EXPERIMENT_STATUSES,
  METRIC_GOALS,
  METRIC_ROLES,
  METRIC_TYPES,
} from '../experiments/experiment.model';
import type { ExperimentStatus } from '../experiments/experiment.model';
import type { Decision, MetricTestName } from '../stats/analyze-experiment';
import type { AnalysisMode, Correction, Goal, Interval, MetricRole, MetricType } from '../stats/types';

/** OpenAPI shapes of the results routes; the bodies themselves are built in src/stats and results.service.ts. */

const nullableNumber = { type: Number, nullable: true } as const;
const interval = {
  type: 'array',
  items: { type: 'number' },
  minItems: 2,
  maxItems: 2,
  nullable: true,
  description: '[lower, upper]',
} as const;

const DECISIONS: readonly Decision[] = ['winner', 'no_winner', 'insufficient_data', 'srm', 'guardrail_failure'];
const TEST_NAMES: readonly MetricTestName[] = [
  'two-proportion z-test (pooled)',
  'Welch t-test',
  'bayesian normal approximation',
  'asymptotic confidence sequence',
];

export class ResultsVariant {
  @ApiProperty({ example: 'control' }) name: string;
  @ApiProperty() users: number;
  @ApiProperty() isControl: boolean;
}

export class SrmResponse {
  @ApiProperty(nullableNumber) chiSquare: number | null;
  @ApiProperty(nullableNumber) pValue: number | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) observed: Record<string, number>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) expected: Record<string, number>;
  @ApiProperty({ description: 'Sample ratio mismatch: p < 0.001' }) mismatch: boolean;
}

export class VariantMetricSummaryResponse {
  @ApiProperty() name: string;
  @ApiProperty() users: number;
  @ApiProperty() conversions: number;
  @ApiProperty(nullableNumber) rate: number | null;
  @ApiProperty(nullableNumber) mean: number | null;
  @ApiProperty(nullableNumber) stdDev: number | null;
  @ApiProperty(interval) ci: Interval | null;
}

export class OverallTestResponse {
  @ApiProperty({ enum: ['chi-square'] }) test: 'chi-square';
  @ApiProperty(nullableNumber) statistic: number | null;
  @ApiProperty() dof: number;
  @ApiProperty(nullableNumber) pValue: number | null;
}

export class ComparisonResponse {
  @ApiProperty() variant: string;
  @ApiProperty() control: string;
  @ApiProperty(nullableNumber) absoluteDiff: number | null;
  @ApiProperty(interval) absoluteCi: Interval | null;
  @ApiProperty(nullableNumber) relativeLift: number | null;
  @ApiProperty(interval) relativeCi: Interval | null;
  @ApiProperty(nullableNumber) pValue: number | null;
  @ApiProperty({ ...nullableNumber, description: 'After the family correction (guardrails: unadjusted)' }) adjustedPValue: number | null;
  @ApiProperty() significant: boolean;
  @ApiProperty(nullableNumber) chanceToWin: number | null;
  @ApiProperty(nullableNumber) risk: number | null;
  @ApiProperty(interval) decisionCi: Interval | null;
  @ApiProperty(nullableNumber) decisionCiLevel: number | null;
  @ApiProperty(nullableNumber) minExpectedCount: number | null;
}

export class MetricResultResponse {
  @ApiProperty() name: string;
  @ApiProperty({ enum: METRIC_TYPES, enumName: 'MetricType' }) type: MetricType;
  @ApiProperty({ enum: METRIC_ROLES, enumName: 'MetricRole' }) role: MetricRole;
  @ApiProperty({ enum: METRIC_GOALS, enumName: 'MetricGoal' }) goal: Goal;
  @ApiProperty({ enum: TEST_NAMES, enumName: 'MetricTestName' }) test: MetricTestName;
  @ApiProperty({ type: [VariantMetricSummaryResponse] }) variants: VariantMetricSummaryResponse[];
  @ApiProperty({ type: OverallTestResponse, nullable: true }) overall: OverallTestResponse | null;
  @ApiProperty({ type: [ComparisonResponse] }) comparisons: ComparisonResponse[];
}

export class SampleSizeStatusResponse {
  @ApiProperty() minimumPerVariant: number;
  @ApiProperty() requestedPerVariant: number;
  @ApiProperty() smallestVariant: number;
  @ApiProperty() reached: boolean;
}

export class ResultsResponse {
  @ApiProperty({ format: 'uuid' }) experimentId: string;
  @ApiProperty() key: string;
  @ApiProperty({ enum: EXPERIMENT_STATUSES, enumName: 'ExperimentStatus' }) status: ExperimentStatus;
  @ApiProperty({ format: 'date-time' }) computedAt: string;
  @ApiProperty({ enum: ANALYSIS_KINDS, enumName: 'AnalysisKind' }) analysis: AnalysisMode;
  @ApiProperty() confidenceLevel: number;
  @ApiProperty({ enum: CORRECTIONS, enumName: 'Correction' }) correction: Correction;
  @ApiProperty({ type: [ResultsVariant] }) variants: ResultsVariant[];
  @ApiProperty({ type: SrmResponse }) srm: SrmResponse;
  @ApiProperty({ type: [MetricResultResponse] }) metrics: MetricResultResponse[];
  @ApiProperty({ type: SampleSizeStatusResponse }) sampleSize: SampleSizeStatusResponse;
  @ApiProperty({ enum: DECISIONS, enumName: 'Decision' }) decision: Decision;
  @ApiProperty({ type: String, nullable: true }) winner: string | null;
  @ApiProperty() isSignificant: boolean;
  @ApiProperty() recommendation: string;
}

export class TimeseriesVariantResponse {
  @ApiProperty() name: string;
  @ApiProperty() users: number;
  @ApiPropertyOptional({ ...nullableNumber, description: 'Conversion metrics' }) rate?: number | null;
  @ApiPropertyOptional({ ...nullableNumber, description: 'Mean metrics' }) mean?: number | null;
  @ApiProperty(interval) ci: Interval | null;
}

export class TimeseriesComparisonResponse {
  @ApiProperty() variant: string;
  @ApiProperty(nullableNumber) pValue: number | null;
  @ApiProperty(nullableNumber) adjustedPValue: number | null;
  @ApiProperty() significant: boolean;
  @ApiProperty(nullableNumber) chanceToWin: number | null;
}

export class TimeseriesPointResponse {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ type: [TimeseriesVariantResponse] }) variants: TimeseriesVariantResponse[];
  @ApiProperty({ ...nullableNumber, description: 'Smallest adjusted p-value of the comparisons; null in bayesian mode' })
  pValue: number | null;
  @ApiProperty({ type: [TimeseriesComparisonResponse] }) comparisons: TimeseriesComparisonResponse[];
}

export class TimeseriesResponse {
  @ApiProperty() metric: string;
  @ApiProperty({ enum: ['day', 'hour'] }) interval: 'day' | 'hour';
  @ApiProperty({ type: [TimeseriesPointResponse] }) points: TimeseriesPointResponse[];
}

export class SampleSizeResponse {
  @ApiProperty({ example: 3841 }) perVariant: number;
  @ApiProperty({ example: 7682 }) total: number;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The inputs used, defaults filled in' })
  inputs: Record<string, unknown>;
}
