import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { planAssignment, assignmentKey } from '../assignments/assignment-decision';
import { ExposureBufferService } from '../assignments/exposure-buffer.service';
import { KnownAssignments } from '../assignments/known-assignments';
import { InvalidInputError, NotFoundError, PayloadTooLargeError } from '../common/errors';
import type { AppConfig } from '../config/app-config';
import { MAX_BATCH_EXPERIMENTS, TOO_MANY_EXPERIMENTS } from '../events/event-input';
import { APP_CONFIG } from '../config/config.module';
import { ChangeFeedService } from '../database/change-feed.service';
import { ExperimentCatalogService } from '../experiments/experiment-catalog.service';
import type { Experiment } from '../experiments/experiment.model';
import { MetricsService } from '../metrics/metrics.service';
import { RolloutCatalogService } from '../rollouts/rollout-catalog.service';
import type { AssignmentLookup, DefinedRollout, ExposureReport } from '../../sdk/src/definitions';
import {
  buildExposureReport,
  checkExposureEnvelope,
  checkLookup,
  ExposureInput,
  ExposureOutcome,
  exposurePlan,
  parseExposure,
  serializeDefinitions,
  strongEtag,
  toDefinedExperiment,
} from './sdk-rules';
import { ExposureWrite, HeldAssignment, SdkStore } from './sdk.store';

export interface DefinitionsSnapshot {
  body: string;
  etag: string;
}

/**
 * The change feed invalidates within milliseconds of a commit on any replica; this age bounds what a
 * replica may serve if a notification was missed (feed reconnecting), so a change reaches every
 * replica's ETag within a second either way. A rebuild is two small queries.
 */
const MAX_AGE_MS = 1000;
const PRUNE_EVERY_MS = 10 * 60 * 1000;
/** A retried report within this window is recognised by its batchId. */
const BATCH_ID_RETENTION_HOURS = 24;

@Injectable()
export class SdkService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SdkService.name);
  private cached: { snapshot: DefinitionsSnapshot; builtAt: number } | null = null;
  private building: { generation: number; startedAt: number; promise: Promise<DefinitionsSnapshot> } | null = null;
  private generation = 0;
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: () => void;
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: SdkStore,
    private readonly experiments: ExperimentCatalogService,
    private readonly rollouts: RolloutCatalogService,
    private readonly exposures: ExposureBufferService,
    private readonly metrics: MetricsService,
    changes: ChangeFeedService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly known: KnownAssignments,
  ) {
    this.unsubscribe = changes.subscribe((change) => {
      if (change !== 'resync' && change.entity === 'alert') return;
      this.generation++;
      this.cached = null;
      for (const listener of this.listeners) listener();
    });
  }

  onModuleInit(): void {
    this.pruneTimer = setInterval(() => {
      this.store
        .pruneBatches(BATCH_ID_RETENTION_HOURS)
        .catch((error: Error) => this.logger.warn(`pruning exposure batch ids failed: ${error.message}`));
    }, PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  onModuleDestroy(): void {
    this.unsubscribe();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
  }

  /** Called after each experiment or rollout change (the stream then checks whether the ETag moved). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The definitions body and its strong ETag (a digest of the body: equal definitions, equal tag, on every replica). */
  async definitions(): Promise<DefinitionsSnapshot> {
    if (this.cached && Date.now() - this.cached.builtAt < MAX_AGE_MS) return this.cached.snapshot;
    // Concurrent requests share one rebuild, unless a change landed after it started (it may have missed it).
    const now = Date.now();
    if (this.building === null || this.building.generation !== this.generation || now - this.building.startedAt >= MAX_AGE_MS) {
      const building = { generation: this.generation, startedAt: now, promise: this.build() };
      this.building = building;
      void building.promise
        .finally(() => {
          if (this.building === building) this.building = null;
        })
        .catch(() => undefined);
    }
    return this.building.promise;
  }

  private async build(): Promise<DefinitionsSnapshot> {
    const generation = this.generation;
    // The age counts from before the reads: a snapshot is as old as the data it read.
    const startedAt = Date.now();
    const [experiments, rollouts] = await Promise.all([this.store.definedExperiments(), this.rollouts.listServing()]);
    const baselines = await this.store.baselineVersions(rollouts.map((r) => r.id));
    const defined: DefinedRollout[] = [];
    for (const r of rollouts) {
      if (r.status !== 'running' && r.status !== 'paused' && r.status !== 'completed') continue;
      defined.push({
        id: r.id,
        modelVersion: r.modelVersion,
        baselineVersion: baselines.get(r.id) ?? '',
        status: r.status,
        percentage: r.percentage,
        seed: r.id,
      });
    }
    const body = serializeDefinitions(experiments.map(toDefinedExperiment), defined);
    const snapshot = { body, etag: strongEtag(body) };
    // A change that landed while building: serve this once, build again next time.
    if (generation === this.generation) this.cached = { snapshot, builtAt: startedAt };
    return snapshot;
  }

  /**
   * Decisions an SDK made locally. Each valid item is applied as the server's own assign would be
   * right now (same plan, same statement): enrolled if the server enrols them, counted as `count`
   * exposures of the row the server holds; where that differs from the report, a correction says so.
   */
  async recordExposures(body: unknown): Promise<ExposureReport> {
    const envelope = checkExposureEnvelope(body);
    if (!envelope.ok) {
      if (envelope.tooLarge) {
        throw new PayloadTooLargeError('exposures has too many items: split the batch; nothing was stored', envelope.problems);
      }
      throw InvalidInputError.fromProblems(envelope.problems);
    }
    const now = new Date();
    const rejected: ExposureReport['rejected'] = [];
    const valid: { index: number; input: ExposureInput }[] = [];
    const items = envelope.value.exposures;
    for (let index = 0; index < items.length; index++) {
      const parsed = parseExposure(items[index], now, this.config.eventBackfillDays);
      if (parsed.ok) valid.push({ index, input: parsed.value });
      else rejected.push({ index, error: parsed.error });
      // Checked in slices of 1,000: other requests get the event loop in between.
      if (index % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
    }

    const experiments = await this.findExperiments([...new Set(valid.map((v) => v.input.experiment))]);
    const outcomes: ExposureOutcome[] = [];
    const pending: { index: number; input: ExposureInput; experiment: Experiment }[] = [];
    const writes: ExposureWrite[] = [];
    const known = new Map<string, HeldAssignment>();
    for (const { index, input } of valid) {
      const experiment = experiments.get(input.experiment);
      if (!experiment) {
        rejected.push({
          index,
          error: experiments.has(input.experiment) ? `Experiment ${input.experiment} not found` : `Exposure ${TOO_MANY_EXPERIMENTS}`,
        });
        continue;
      }
      if (!experiment.variants.some((v) => v.name === input.variant)) {
        rejected.push({ index, error: `variant ${input.variant} is not a variant of experiment ${experiment.key}` });
        continue;
      }
      const plan = exposurePlan(planAssignment(experiment, input.userId));
      if (plan.kind === 'none') {
        outcomes.push({ index, experiment: input.experiment, userId: input.userId, reported: input.variant, held: null });
        continue;
      }
      pending.push({ index, input, experiment });
      // Rows never change once written: a user this replica has seen needs no statement.
      const seen = this.known.get(experiment.id, input.userId);
      if (seen !== undefined) known.set(assignmentKey(experiment.id, input.userId), { variant: seen, inserted: false });
      else writes.push({ experimentId: experiment.id, userId: input.userId, enrolVariant: plan.enrolVariant });
    }

    const result = await this.store.applyExposures(envelope.value.batchId, writes, (written) => {
      for (const [key, row] of written) known.set(key, row);
      const all = [...outcomes];
      for (const { index, input, experiment } of pending) {
        const row = known.get(assignmentKey(experiment.id, input.userId));
        all.push({ index, experiment: input.experiment, userId: input.userId, reported: input.variant, held: row?.variant ?? null });
      }
      return buildExposureReport(rejected, all);
    });
    if (result.duplicate) return result.report;

    // Exposure counts as the assign route keeps them: the insert counted one, the rest are buffered.
    const claimed = new Set<string>();
    for (const { input, experiment } of pending) {
      const key = assignmentKey(experiment.id, input.userId);
      const row = known.get(key);
      if (!row) continue;
      this.remember(experiment.id, input.userId, row.variant);
      const first = row.inserted && !claimed.has(key);
      if (first) claimed.add(key);
      const extra = first ? input.count - 1 : input.count;
      if (extra > 0) this.exposures.record(experiment.id, input.userId, extra, input.at.getTime());
      this.metrics.recordAssignment(experiment.key, row.variant, input.count);
    }
    return result.report;
  }

  private remember(experimentId: string, userId: string, variant: string): void {
    this.known.set(experimentId, userId, variant);
  }

  async lookup(body: unknown): Promise<AssignmentLookup> {
    const input = checkLookup(body);
    if (!input.ok) {
      if (input.tooLarge) throw new PayloadTooLargeError('userIds has too many items: split the lookup', input.problems);
      throw InvalidInputError.fromProblems(input.problems);
    }
    const experiment = await this.experiments.find(input.experiment);
    if (!experiment) throw NotFoundError.experiment(input.experiment);
    const assignments = input.userIds.length === 0 ? {} : await this.store.lookup(experiment.id, input.userIds);
    return { experimentId: experiment.id, assignments };
  }

  /**
   * The experiments a batch names, resolved with ONE query; at most MAX_BATCH_EXPERIMENTS distinct
   * names per batch (the items naming others are rejected one by one, not looked up).
   */
  private async findExperiments(refs: string[]): Promise<Map<string, Experiment | null>> {
    const allowed = refs.slice(0, MAX_BATCH_EXPERIMENTS);
    const found = await this.experiments.findMany(allowed);
    return new Map(allowed.map((ref) => [ref, found.get(ref) ?? null]));
  }
}
