/**
 * The dashboard's names for the API's response shapes. Nothing here is typed by hand: every type is
 * taken from sdk/src/generated/api.ts (the SDK's typed client uses the same file), which `npm run api:generate` writes from the service's OpenAPI
 * document (a test fails when it is stale), so the dashboard cannot drift from the server.
 */
import type { components } from '../../sdk/src/generated/api';

type Schemas = components['schemas'];

/** A list answer (`{ items, total, limit, offset }`) of any item type. */
export type Page<T> = Omit<Schemas['ExperimentPage'], 'items'> & { items: T[] };

export type ErrorBody = Schemas['ErrorBody'];
export type ErrorCode = ErrorBody['code'];
export type FieldProblem = NonNullable<ErrorBody['details']>[number];

export type ExperimentStatus = Schemas['ExperimentStatus'];
export type MetricType = Schemas['MetricType'];
export type MetricGoal = Schemas['MetricGoal'];
export type MetricRole = Schemas['MetricRole'];
export type AnalysisKind = Schemas['AnalysisKind'];
export type Correction = Schemas['Correction'];
export type Variant = Schemas['VariantResponse'];
export type Metric = Schemas['MetricResponse'];
export type Experiment = Schemas['ExperimentResponse'];
export type ExperimentHistoryEntry = Schemas['ExperimentHistoryResponse'];

export type Interval = NonNullable<Schemas['VariantMetricSummaryResponse']['ci']>;
export type VariantMetricSummary = Schemas['VariantMetricSummaryResponse'];
export type Comparison = Schemas['ComparisonResponse'];
export type MetricResult = Schemas['MetricResultResponse'];
export type Decision = Schemas['Decision'];
export type Results = Schemas['ResultsResponse'];
export type TimeseriesVariant = Schemas['TimeseriesVariantResponse'];
export type Timeseries = Schemas['TimeseriesResponse'];

export type RolloutStatus = Schemas['RolloutStatus'];
export type RolloutStage = Schemas['RolloutStageResponse'];
export type HealthThresholds = Schemas['HealthThresholdsResponse'];
export type HealthVerdict = Schemas['HealthVerdict'];
export type FailedCheck = Schemas['FailedCheckResponse'];
export type LastHealth = Schemas['LastHealthResponse'];
export type Rollout = Schemas['RolloutResponse'];
export type RolloutHistoryEntry = Schemas['RolloutHistoryResponse'];

export type AlertStatus = Schemas['AlertStatus'];
export type Alert = Schemas['AlertResponse'];

export type WebhookFormat = Schemas['WebhookFormat'];
export type DeliveryStatus = Schemas['DeliveryStatus'];
export type WebhookSubscription = Schemas['WebhookResponse'];
/** Create and rotate-secret answers: the only time the secret is shown. */
export type WebhookWithSecret = Schemas['WebhookWithSecretResponse'];
export type WebhookDelivery = Schemas['DeliveryResponse'];
