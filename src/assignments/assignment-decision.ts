import { assignVariantIndex } from '../bucketing/assign-variant';
import type { Experiment, Variant } from '../experiments/experiment.model';

export type AssignReason = 'assigned' | 'sticky' | 'not_in_traffic' | 'paused' | 'not_running' | 'winner' | 'completed';

/**
 * What an assign needs from the database, decided from the experiment alone:
 * - `serve`: a fixed answer (draft, completed), no lookup;
 * - `lookup`: only an existing assignment counts (paused, or outside the traffic allocation now);
 * - `enrol`: insert the hashed variant unless the user already has one.
 */
export type AssignPlan =
  | { kind: 'serve'; reason: AssignReason; variant: Variant | null }
  | { kind: 'lookup'; reasonIfAbsent: AssignReason }
  | { kind: 'enrol'; variant: Variant };

export function planAssignment(experiment: Experiment, userId: string): AssignPlan {
  switch (experiment.status) {
    case 'draft':
      return { kind: 'serve', reason: 'not_running', variant: null };
    case 'completed': {
      const winner = experiment.winner ? experiment.variants.find((v) => v.name === experiment.winner) : undefined;
      if (winner) return { kind: 'serve', reason: 'winner', variant: winner };
      const control = experiment.variants.find((v) => v.name === experiment.controlVariant) ?? null;
      return { kind: 'serve', reason: 'completed', variant: control };
    }
    case 'paused':
      return { kind: 'lookup', reasonIfAbsent: 'paused' };
    case 'running': {
      const index = assignVariantIndex(
        experiment.hashSeed,
        userId,
        experiment.variants.map((v) => v.weight),
        experiment.trafficAllocation,
      );
      // Outside the allocation now, but an earlier (larger) allocation may have enrolled them.
      return index < 0 ? { kind: 'lookup', reasonIfAbsent: 'not_in_traffic' } : { kind: 'enrol', variant: experiment.variants[index] };
    }
  }
}

/** One (experiment, user) pair as a map key; the keys' plain string order is (experiment, user) order. */
export function assignmentKey(experimentId: string, userId: string): string {
  return `${experimentId}\u0000${userId}`;
}
