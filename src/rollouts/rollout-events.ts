import { rolloutEvent, type RolloutEventType, type RolloutSubject, type WebhookEvent } from '../webhooks/webhook-events';
import type { HistoryEntry, RolloutAction } from './rollout.model';

/**
 * Which history rows are webhook events, and their payloads: one event per transition, built from the
 * history row the transition wrote (its time, percentages, stage, reason and health snapshot) and the
 * rollout as the API returns it after the change. Admin commands and scheduler steps alike; `trigger`
 * says which (the scheduler's rows are `automatic`). Plain TypeScript: no framework, no I/O.
 */
export const ROLLOUT_EVENT_OF: Partial<Record<RolloutAction, RolloutEventType>> = {
  started: 'rollout.started',
  advanced: 'rollout.advanced',
  held: 'rollout.held',
  paused: 'rollout.paused',
  resumed: 'rollout.resumed',
  promoted: 'rollout.promoted',
  completed: 'rollout.completed',
  rolled_back: 'rollout.rolled_back',
};

export function rolloutEvents(rollout: RolloutSubject, history: readonly HistoryEntry[]): WebhookEvent[] {
  const events: WebhookEvent[] = [];
  for (const entry of history) {
    const type = ROLLOUT_EVENT_OF[entry.action];
    if (!type) continue;
    events.push(
      rolloutEvent(
        type,
        rollout,
        {
          trigger: entry.actor === 'scheduler' ? 'automatic' : 'manual',
          reason: entry.reason,
          fromPercentage: entry.fromPercentage,
          toPercentage: entry.toPercentage,
          stage: entry.stage,
          health: entry.health,
          failedChecks: entry.health?.failedChecks ?? [],
        },
        entry.at,
      ),
    );
  }
  return events;
}
