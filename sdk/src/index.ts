export { ExperimentationClient } from './client';
export type { ClientStats, DefinitionsChange, ExperimentationClientOptions } from './client';
export { ExperimentationProvider } from './provider';
export { createApiClient } from './api-client';
export type { ApiClient, ApiClientOptions, paths } from './api-client';
export type { Assignment, AssignReason } from './evaluate';
export type {
  DefinedExperiment,
  DefinedRollout,
  DefinedVariant,
  Definitions,
  ExposureCorrection,
  ExposureItem,
  ExposureReport,
} from './definitions';
export { bucket, bucketIndex, fnv1a32 } from './bucketing/hash';
export { assignVariantIndex, inPercentage } from './bucketing/assign-variant';
