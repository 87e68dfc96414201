import type { FailedCheck, RolloutRecord } from './rollout.model';

/** The body POSTed to a rollout's webhook (and ROLLOUT_WEBHOOK_URL). */
export interface RolloutWebhookEvent {
  event: 'rollout.rolled_back';
  trigger: 'automatic' | 'manual';
  at: string;
  rollout: { id: string; name: string; modelVersion: string; baselineVersion: string | null; status: string; percentage: number };
  fromPercentage: number;
  toPercentage: number;
  stage: number;
  reason: string;
  failedChecks: FailedCheck[];
  health: unknown;
}

/**
 * The one `rollout.rolled_back` payload, for manual and automatic rollbacks alike, built from the
 * rollout as committed (its reason, stage and last health) and the percentage it was rolled back from.
 */
export function rolledBackEvent(
  rollout: RolloutRecord & { id: string },
  fromPercentage: number,
  trigger: RolloutWebhookEvent['trigger'],
  failedChecks: FailedCheck[] = [],
): RolloutWebhookEvent {
  return {
    event: 'rollout.rolled_back',
    trigger,
    at: rollout.updatedAt.toISOString(),
    rollout: {
      id: rollout.id,
      name: rollout.name,
      modelVersion: rollout.modelVersion,
      baselineVersion: rollout.baselineVersion,
      status: rollout.status,
      percentage: rollout.percentage,
    },
    fromPercentage,
    toPercentage: 0,
    stage: rollout.currentStage,
    reason: rollout.rollbackReason ?? '',
    failedChecks,
    health: rollout.lastHealth,
  };
}
