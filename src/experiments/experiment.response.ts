import { definitionOf } from './experiment-rules';
import type { Experiment } from './experiment.model';

export interface ExperimentResponse {
  id: string;
  key: string;
  name: string;
  description: string | null;
  hypothesis: string | null;
  status: Experiment['status'];
  variants: Experiment['variants'];
  controlVariant: string;
  trafficAllocation: number;
  metrics: Experiment['metrics'];
  minimumSampleSize: number;
  confidenceLevel: number;
  analysis: Experiment['analysis'];
  correction: Experiment['correction'];
  hashSeed: string;
  winner: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  pausedAt: string | null;
  completedAt: string | null;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function toExperimentResponse(e: Experiment): ExperimentResponse {
  return {
    id: e.id,
    ...definitionOf(e),
    status: e.status,
    winner: e.winner,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
    startedAt: iso(e.startedAt),
    pausedAt: iso(e.pausedAt),
    completedAt: iso(e.completedAt),
  };
}
