import { Injectable } from '@nestjs/common';
import { AssignmentsService } from '../assignments/assignments.service';
import { ExperimentCatalogService } from '../experiments/experiment-catalog.service';
import { RolloutCatalogService } from '../rollouts/rollout-catalog.service';

export interface DecideResponse {
  userId: string;
  experiments: Record<string, { variant: string | null; config: Record<string, unknown> | null; inExperiment: boolean }>;
  rollouts: Record<string, { useNewModel: boolean; percentage: number }>;
}

@Injectable()
export class DecideService {
  constructor(
    private readonly catalog: ExperimentCatalogService,
    private readonly assignments: AssignmentsService,
    private readonly rolloutCatalog: RolloutCatalogService,
  ) {}

  async decide(userId: string): Promise<DecideResponse> {
    const running = await this.catalog.listRunning();
    const results = await this.assignments.assignMany(running, userId);
    const experiments: DecideResponse['experiments'] = {};
    for (const result of results) {
      experiments[result.experimentKey] = {
        variant: result.variant?.name ?? null,
        config: result.variant?.config ?? null,
        inExperiment: result.inExperiment,
      };
    }
    // Rollouts that are running, paused or completed (draft, scheduled and rolled back ones are left out), from memory.
    return { userId, experiments, rollouts: await this.rolloutCatalog.decideAll(userId) };
  }
}
