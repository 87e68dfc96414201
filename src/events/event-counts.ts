/**
 * Per-experiment event counts: the descriptive `GET /api/v1/experiments/:idOrKey/metrics` answer
 * (seed-003 shape), built from the two aggregate row sets PostgreSQL returns. Not to be confused with
 * the Prometheus module (src/metrics/). The unit is the assigned user: mean and conversionRate divide
 * by the users assigned to the variant, and a variant without users reports 0, never NaN.
 */
export interface VariantAssignmentRow {
  variant: string;
  users: number;
  exposures: number;
}

export interface VariantEventRow {
  variant: string;
  eventName: string;
  users: number;
  count: number;
  sum: number;
}

export interface EventMetric {
  users: number;
  count: number;
  sum: number;
  mean: number;
  conversionRate: number;
}

export interface VariantMetrics {
  name: string;
  users: number;
  exposures: number;
  metrics: Record<string, EventMetric>;
}

export interface EventCountsResponse {
  experimentId: string;
  computedAt: string;
  variants: VariantMetrics[];
}

export function buildEventCounts(input: {
  experimentId: string;
  computedAt: Date;
  /** Variant names in definition order: every one is reported, with or without users. */
  variants: string[];
  /** Metric names declared on the experiment: reported even before any event arrives. */
  declaredMetrics: string[];
  assignments: VariantAssignmentRow[];
  events: VariantEventRow[];
}): EventCountsResponse {
  const observed = [...new Set(input.events.map((row) => row.eventName))].filter((name) => !input.declaredMetrics.includes(name)).sort();
  const eventNames = [...input.declaredMetrics, ...observed];
  const byVariant = new Map(input.assignments.map((row) => [row.variant, row]));
  const eventsByKey = new Map(input.events.map((row) => [`${row.variant}\u0000${row.eventName}`, row]));

  return {
    experimentId: input.experimentId,
    computedAt: input.computedAt.toISOString(),
    variants: input.variants.map((name) => {
      const users = byVariant.get(name)?.users ?? 0;
      const metrics: Record<string, EventMetric> = {};
      for (const eventName of eventNames) {
        const row = eventsByKey.get(`${name}\u0000${eventName}`);
        const sum = row?.sum ?? 0;
        const withEvent = row?.users ?? 0;
        metrics[eventName] = {
          users: withEvent,
          count: row?.count ?? 0,
          sum,
          mean: users > 0 ? sum / users : 0,
          conversionRate: users > 0 ? withEvent / users : 0,
        };
      }
      return { name, users, exposures: byVariant.get(name)?.exposures ?? 0, metrics };
    }),
  };
}
