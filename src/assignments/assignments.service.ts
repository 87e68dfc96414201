import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { NotFoundError } from '../common/errors';
import { ChangeFeedService } from '../database/change-feed.service';
import { ExperimentCatalogService } from '../experiments/experiment-catalog.service';
import { MetricsService } from '../metrics/metrics.service';
import type { Experiment } from '../experiments/experiment.model';
import { AssignPlan, AssignReason, planAssignment } from './assignment-decision';
import { ExposureBufferService } from './exposure-buffer.service';

export interface AssignResult {
  experimentId: string;
  experimentKey: string;
  userId: string;
  inExperiment: boolean;
  variant: { name: string; config: Record<string, unknown> } | null;
  reason: AssignReason;
}

// Assignments never change once made, so remembering them is always safe; the bound keeps memory flat.
const KNOWN_PER_EXPERIMENT = 200_000;

/** One statement for any number of experiments: enrol where wanted, and read what already exists. */
const ASSIGN_SQL = `
  WITH wanted AS (
    SELECT * FROM unnest($2::uuid[], $3::text[]) AS w(experiment_id, variant)
  ), inserted AS (
    INSERT INTO assignments (experiment_id, user_id, variant)
    SELECT experiment_id, $1, variant FROM wanted
    ON CONFLICT (experiment_id, user_id) DO NOTHING
    RETURNING experiment_id, variant
  )
  SELECT experiment_id, variant, true AS inserted FROM inserted
  UNION ALL
  SELECT experiment_id, variant, false AS inserted FROM assignments
   WHERE user_id = $1 AND experiment_id = ANY($4::uuid[])`;

interface Row {
  experiment_id: string;
  variant: string;
  inserted: boolean;
}

@Injectable()
export class AssignmentsService implements OnModuleDestroy {
  private readonly known = new Map<string, Map<string, string>>();
  private readonly unsubscribe: () => void;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly catalog: ExperimentCatalogService,
    private readonly exposures: ExposureBufferService,
    private readonly metrics: MetricsService,
    changes: ChangeFeedService,
  ) {
    // A deleted experiment takes its assignments with it.
    this.unsubscribe = changes.subscribe((change) => {
      if (change === 'resync') this.known.clear();
      else if (change.entity === 'experiment') this.known.delete(change.id);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  async assign(idOrKey: string, userId: string): Promise<AssignResult> {
    const experiment = await this.catalog.find(idOrKey);
    if (!experiment) throw new NotFoundError(`Experiment ${idOrKey} not found`);
    const [result] = await this.assignMany([experiment], userId);
    return result;
  }

  /** Assigns one user to several experiments with at most one database round trip. */
  async assignMany(experiments: Experiment[], userId: string): Promise<AssignResult[]> {
    const plans = experiments.map((experiment) => planAssignment(experiment, userId));
    const found = new Map<string, { variant: string; inserted: boolean }>();

    const toQuery: number[] = [];
    plans.forEach((plan, i) => {
      if (plan.kind === 'serve') return;
      const variant = this.known.get(experiments[i].id)?.get(userId);
      if (variant !== undefined) found.set(experiments[i].id, { variant, inserted: false });
      else toQuery.push(i);
    });

    if (toQuery.length > 0) {
      const enrol = toQuery.filter((i) => plans[i].kind === 'enrol');
      const rows = await this.query(
        userId,
        enrol.map((i) => experiments[i].id),
        enrol.map((i) => (plans[i] as Extract<AssignPlan, { kind: 'enrol' }>).variant.name),
        toQuery.map((i) => experiments[i].id),
      );
      for (const row of rows) found.set(row.experiment_id, { variant: row.variant, inserted: row.inserted });
      // Lost a race with a concurrent first request: that insert committed after our snapshot.
      const missing = enrol.filter((i) => !found.has(experiments[i].id));
      if (missing.length > 0) {
        const ids = missing.map((i) => experiments[i].id);
        for (const row of await this.query(userId, [], [], ids)) found.set(row.experiment_id, row);
      }
    }

    return experiments.map((experiment, i) => this.answer(experiment, userId, plans[i], found.get(experiment.id)));
  }

  private answer(
    experiment: Experiment,
    userId: string,
    plan: AssignPlan,
    existing: { variant: string; inserted: boolean } | undefined,
  ): AssignResult {
    const base = { experimentId: experiment.id, experimentKey: experiment.key, userId };
    if (plan.kind === 'serve') {
      return {
        ...base,
        inExperiment: false,
        variant: plan.variant ? { name: plan.variant.name, config: plan.variant.config } : null,
        reason: plan.reason,
      };
    }
    const variant = existing ? experiment.variants.find((v) => v.name === existing.variant) : undefined;
    if (!existing || !variant) {
      return { ...base, inExperiment: false, variant: null, reason: plan.kind === 'lookup' ? plan.reasonIfAbsent : 'not_in_traffic' };
    }
    this.remember(experiment.id, userId, variant.name);
    if (!existing.inserted) this.exposures.record(experiment.id, userId);
    this.metrics.recordAssignment(experiment.key, variant.name);
    return {
      ...base,
      inExperiment: true,
      variant: { name: variant.name, config: variant.config },
      reason: existing.inserted ? 'assigned' : 'sticky',
    };
  }

  private remember(experimentId: string, userId: string, variant: string): void {
    let users = this.known.get(experimentId);
    if (!users) {
      users = new Map();
      this.known.set(experimentId, users);
    }
    if (users.size >= KNOWN_PER_EXPERIMENT) users.clear();
    users.set(userId, variant);
  }

  private async query(userId: string, enrolIds: string[], enrolVariants: string[], lookupIds: string[]): Promise<Row[]> {
    return this.dataSource.query(ASSIGN_SQL, [userId, enrolIds, enrolVariants, lookupIds]);
  }
}
