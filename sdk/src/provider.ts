import {
  ErrorCode,
  EvaluationContext,
  JsonValue,
  OpenFeatureEventEmitter,
  Provider,
  ProviderEvents,
  ResolutionDetails,
  ResolutionReason,
  StandardResolutionReasons,
} from '@openfeature/server-sdk';
import type { ExperimentationClient } from './client';
import type { Assignment } from './evaluate';

/**
 * OpenFeature server provider over an ExperimentationClient: the flag key is an experiment key
 * (`getStringValue` → the variant's name, `getObjectValue` → its config) or, for booleans, a model
 * version (`getBooleanValue` → the rollout decision); the context's `targetingKey` is the user id.
 */
export class ExperimentationProvider implements Provider {
  readonly metadata = { name: 'experimentation' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly client: ExperimentationClient) {}

  async initialize(): Promise<void> {
    this.unsubscribe ??= this.client.onChange((change) => {
      this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [...change.experiments, ...change.rollouts] });
    });
    await this.client.ready();
  }

  /** Sends what the client buffered; the client itself stays open (it belongs to the caller). */
  async onClose(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.client.flush().catch(() => undefined);
  }

  async resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    const userId = targetingKey(context);
    if (userId === null) return missingTargetingKey(defaultValue);
    const rollout = this.client.rollout(flagKey);
    if (!rollout) return notFound(defaultValue, `no serving rollout for model version ${flagKey}`);
    const useNewModel = this.client.useNewModel(flagKey, userId);
    return {
      value: useNewModel,
      variant: useNewModel ? rollout.modelVersion : rollout.baselineVersion,
      reason: rollout.percentage >= 100 ? StandardResolutionReasons.STATIC : StandardResolutionReasons.SPLIT,
      flagMetadata: { rolloutId: rollout.id, percentage: rollout.percentage, status: rollout.status },
    };
  }

  async resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    return this.resolveVariant(flagKey, defaultValue, context, (variant) => variant.name);
  }

  async resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return this.resolveVariant(flagKey, defaultValue, context, (variant) => variant.config as T);
  }

  async resolveNumberEvaluation(_flagKey: string, defaultValue: number): Promise<ResolutionDetails<number>> {
    return {
      value: defaultValue,
      reason: StandardResolutionReasons.ERROR,
      errorCode: ErrorCode.TYPE_MISMATCH,
      errorMessage: 'experiments resolve to strings (variant name) or objects (config); rollouts to booleans',
    };
  }

  private resolveVariant<T>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
    pick: (variant: NonNullable<Assignment['variant']>) => T,
  ): ResolutionDetails<T> {
    const userId = targetingKey(context);
    if (userId === null) return missingTargetingKey(defaultValue);
    if (!this.client.experiment(flagKey)) return notFound(defaultValue, `no running, paused or completed experiment ${flagKey}`);
    const answer = this.client.assign(flagKey, userId);
    const flagMetadata = { inExperiment: answer.inExperiment, assignReason: answer.reason };
    if (answer.reason === 'not_ready') {
      return { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode: ErrorCode.PROVIDER_NOT_READY, flagMetadata };
    }
    if (answer.variant === null) return { value: defaultValue, reason: reasonOf(answer), flagMetadata };
    return { value: pick(answer.variant), variant: answer.variant.name, reason: reasonOf(answer), flagMetadata };
  }
}

/**
 * The spec's reasons: a variant chosen by the hash split is SPLIT; a completed experiment serves one
 * value to everyone (STATIC); a user outside the experiment gets the caller's default (DEFAULT); a
 * paused experiment admits nobody new (DISABLED for them).
 */
function reasonOf(answer: Assignment): ResolutionReason {
  switch (answer.reason) {
    case 'assigned':
    case 'sticky':
      return StandardResolutionReasons.SPLIT;
    case 'winner':
    case 'completed':
      return StandardResolutionReasons.STATIC;
    case 'paused':
    case 'not_running':
      return StandardResolutionReasons.DISABLED;
    case 'not_in_traffic':
      return StandardResolutionReasons.DEFAULT;
    case 'not_ready':
      return StandardResolutionReasons.ERROR;
  }
}

function targetingKey(context: EvaluationContext): string | null {
  const key = context.targetingKey;
  return typeof key === 'string' && key.length > 0 && key.length <= 256 && !key.includes('\u0000') ? key : null;
}

function missingTargetingKey<T>(defaultValue: T): ResolutionDetails<T> {
  return {
    value: defaultValue,
    reason: StandardResolutionReasons.ERROR,
    errorCode: ErrorCode.TARGETING_KEY_MISSING,
    errorMessage: 'the evaluation context needs a targetingKey (the user id, 1 to 256 characters)',
  };
}

function notFound<T>(defaultValue: T, message: string): ResolutionDetails<T> {
  return { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode: ErrorCode.FLAG_NOT_FOUND, errorMessage: message };
}
