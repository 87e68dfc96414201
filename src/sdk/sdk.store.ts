import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { assignmentKey } from '../assignments/assignment-decision';
import { ASSIGN_BATCH_SQL } from '../assignments/assignment.store';
import type { Experiment } from '../experiments/experiment.model';
import type { ExposureReport } from '../../sdk/src/definitions';
import type { DefinedExperimentRow } from './sdk-rules';

/** The SDK feature's SQL: definitions, the exposure write (the assignments feature's statement), lookups. */

const DEFINED_EXPERIMENTS_SQL = `
  SELECT id, key, status, variants, control_variant, traffic_allocation, allocation_high_water, hash_seed, winner, updated_at
    FROM experiments
   WHERE status IN ('running', 'paused', 'completed')
   ORDER BY key`;

const BASELINES_SQL = `SELECT id, baseline_version FROM rollouts WHERE id = ANY($1::uuid[])`;

const CLAIM_BATCH_SQL = `INSERT INTO sdk_exposure_batches (batch_id) VALUES ($1) ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id`;
const STORED_REPORT_SQL = `SELECT response FROM sdk_exposure_batches WHERE batch_id = $1`;
const STORE_REPORT_SQL = `UPDATE sdk_exposure_batches SET response = $2 WHERE batch_id = $1`;
const RELEASE_BATCH_SQL = `DELETE FROM sdk_exposure_batches WHERE batch_id = $1`;
const PRUNE_BATCHES_SQL = `DELETE FROM sdk_exposure_batches WHERE received_at < now() - make_interval(hours => $1)`;

const LOOKUP_SQL = `SELECT user_id, variant FROM assignments WHERE experiment_id = $1 AND user_id = ANY($2::text[])`;

interface ExperimentRow {
  id: string;
  key: string;
  status: Experiment['status'];
  variants: Experiment['variants'];
  control_variant: string;
  traffic_allocation: number;
  allocation_high_water: number | null;
  hash_seed: string;
  winner: string | null;
  updated_at: Date;
}

/** One (experiment, user) an exposure report touches; `enrolVariant` when the server's plan enrols the user. */
export interface ExposureWrite {
  experimentId: string;
  userId: string;
  enrolVariant: string | null;
}

export interface HeldAssignment {
  variant: string;
  /** This statement created the row (exposures = 1 already counted). */
  inserted: boolean;
}

interface AssignRow {
  experiment_id: string;
  user_id: string;
  variant: string;
  inserted: boolean;
}

@Injectable()
export class SdkStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async definedExperiments(): Promise<DefinedExperimentRow[]> {
    const rows: ExperimentRow[] = await this.dataSource.query(DEFINED_EXPERIMENTS_SQL);
    return rows.map((row) => ({
      id: row.id,
      key: row.key,
      status: row.status,
      variants: row.variants,
      controlVariant: row.control_variant,
      trafficAllocation: Number(row.traffic_allocation),
      allocationHighWater: row.allocation_high_water === null ? null : Number(row.allocation_high_water),
      hashSeed: row.hash_seed,
      winner: row.winner,
      updatedAt: row.updated_at,
    }));
  }

  async baselineVersions(rolloutIds: string[]): Promise<Map<string, string>> {
    if (rolloutIds.length === 0) return new Map();
    const rows: { id: string; baseline_version: string }[] = await this.dataSource.query(BASELINES_SQL, [rolloutIds]);
    return new Map(rows.map((row) => [row.id, row.baseline_version]));
  }

  /**
   * Applies one exposure report in one transaction: the batch id is claimed first (a retried batch
   * gets the stored report back and writes nothing), then the users are enrolled or looked up with
   * the statement the assign route uses, and `finish` turns what the server holds into the report
   * stored with the claim.
   */
  async applyExposures(
    batchId: string | null,
    writes: ExposureWrite[],
    finish: (held: Map<string, HeldAssignment>) => ExposureReport,
  ): Promise<
    { duplicate: true; report: ExposureReport } | { duplicate: false; report: ExposureReport; held: Map<string, HeldAssignment> }
  > {
    return this.dataSource.transaction(async (manager) => {
      if (batchId !== null) {
        const claimed: unknown[] = await manager.query(CLAIM_BATCH_SQL, [batchId]);
        if (claimed.length === 0) {
          const [stored]: { response: ExposureReport | null }[] = await manager.query(STORED_REPORT_SQL, [batchId]);
          return { duplicate: true as const, report: { ...(stored?.response ?? emptyReport()), duplicate: true } };
        }
      }
      const held = await this.enrolOrRead(manager, writes);
      const report = finish(held);
      if (batchId !== null) {
        // Nothing accepted means nothing written: a retry would change nothing either, so the claim
        // is dropped and a rejected report leaves the database as it was.
        if (report.accepted === 0) await manager.query(RELEASE_BATCH_SQL, [batchId]);
        else await manager.query(STORE_REPORT_SQL, [batchId, JSON.stringify(report)]);
      }
      return { duplicate: false as const, report, held };
    });
  }

  async pruneBatches(olderThanHours: number): Promise<void> {
    await this.dataSource.query(PRUNE_BATCHES_SQL, [olderThanHours]);
  }

  async lookup(experimentId: string, userIds: string[]): Promise<Record<string, string>> {
    const rows: { user_id: string; variant: string }[] = await this.dataSource.query(LOOKUP_SQL, [experimentId, userIds]);
    const found: Record<string, string> = {};
    for (const row of rows) found[row.user_id] = row.variant;
    return found;
  }

  private async enrolOrRead(manager: EntityManager, writes: ExposureWrite[]): Promise<Map<string, HeldAssignment>> {
    const enrol: [string[], string[], string[]] = [[], [], []];
    const lookup: [string[], string[]] = [[], []];
    const seen = new Set<string>();
    // Key order, so concurrent reports with overlapping users take row locks in the same order (no deadlock).
    const ordered = writes.map((write) => ({ key: assignmentKey(write.experimentId, write.userId), write }));
    ordered.sort((a, b) => compareKeys(a.key, b.key));
    for (const { key, write } of ordered) {
      if (seen.has(key)) continue;
      seen.add(key);
      if (write.enrolVariant !== null) {
        enrol[0].push(write.experimentId);
        enrol[1].push(write.userId);
        enrol[2].push(write.enrolVariant);
      }
      lookup[0].push(write.experimentId);
      lookup[1].push(write.userId);
    }
    const held = new Map<string, HeldAssignment>();
    if (lookup[0].length === 0) return held;
    const rows: AssignRow[] = await manager.query(ASSIGN_BATCH_SQL, [...enrol, ...lookup]);
    for (const row of rows) held.set(assignmentKey(row.experiment_id, row.user_id), { variant: row.variant, inserted: row.inserted });

    // Lost a race with a concurrent first insert that committed after this statement's snapshot:
    // the next statement sees it.
    const missing: [string[], string[]] = [[], []];
    for (let i = 0; i < enrol[0].length; i++) {
      if (!held.has(assignmentKey(enrol[0][i], enrol[1][i]))) {
        missing[0].push(enrol[0][i]);
        missing[1].push(enrol[1][i]);
      }
    }
    if (missing[0].length > 0) {
      const again: AssignRow[] = await manager.query(ASSIGN_BATCH_SQL, [[], [], [], ...missing]);
      for (const row of again) held.set(assignmentKey(row.experiment_id, row.user_id), { variant: row.variant, inserted: false });
    }
    return held;
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function emptyReport(): ExposureReport {
  return { accepted: 0, duplicate: true, rejected: [], corrections: [] };
}
