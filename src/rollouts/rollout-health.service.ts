import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { postgresErrorCode } from '../common/database-errors';
import { ConflictError, NotFoundError } from '../common/errors';
import type { HealthReportDto, ObservationsDto } from './dto/health-report.dto';
import { RolloutCatalogService } from './rollout-catalog.service';
import { checkHealthReport, parseObservations } from './rollout-health-rules';
import { RolloutStore } from './rollout.store';

const ACCEPTING_DATA = ['scheduled', 'running', 'paused'];

/**
 * Health ingest (client routes): aggregated reports and raw observations of the new model, checked
 * against their bounds (rollout-health-rules.ts) and stored in one statement each, stamped with the
 * Clock's time, which is what the scheduler's stage window compares with `stageStartedAt`.
 */
@Injectable()
export class RolloutHealthService {
  constructor(
    private readonly store: RolloutStore,
    private readonly catalog: RolloutCatalogService,
    private readonly clock: Clock,
  ) {}

  async reportHealth(id: string, dto: HealthReportDto): Promise<{ status: 'recorded'; rolloutId: string; reportId: string }> {
    const now = this.clock.now();
    const report = checkHealthReport(dto, now);
    const rollout = await this.acceptingData(id);
    const reportId = await this.insertFor(rollout.id, () => this.store.insertHealthReport(rollout.id, report, now));
    return { status: 'recorded', rolloutId: rollout.id, reportId };
  }

  async recordObservations(id: string, dto: ObservationsDto): Promise<{ status: 'recorded'; rolloutId: string; accepted: number }> {
    const columns = parseObservations(dto.observations);
    const rollout = await this.acceptingData(id);
    const accepted = await this.insertFor(rollout.id, () => this.store.insertObservations(rollout.id, columns, this.clock.now()));
    return { status: 'recorded', rolloutId: rollout.id, accepted };
  }

  /** Health data is taken while the rollout can still act on it: scheduled, running or paused. */
  private async acceptingData(id: string): Promise<{ id: string }> {
    const rollout = await this.catalog.findById(id);
    if (!rollout) throw NotFoundError.rollout(id);
    if (!ACCEPTING_DATA.includes(rollout.status)) {
      throw new ConflictError(
        `rollout ${rollout.name} is ${rollout.status}: health data is only taken while it is scheduled, running or paused`,
        undefined,
        { status: rollout.status },
        'ROLLOUT_CLOSED',
      );
    }
    return rollout;
  }

  /** A rollout deleted between the cache read and the insert is a 404, not a foreign-key error. */
  private async insertFor<T>(id: string, insert: () => Promise<T>): Promise<T> {
    try {
      return await insert();
    } catch (error) {
      if (postgresErrorCode(error) === '23503') throw NotFoundError.rollout(id);
      throw error;
    }
  }
}
