import { Column, Entity, PrimaryGeneratedColumn, ValueTransformer } from 'typeorm';
import type { HealthThresholds, LastHealth, RolloutStage, RolloutStatus } from './rollout.model';

/** numeric(5,2) arrives from pg as a string ("12.50"); the API speaks numbers. */
export const numericTransformer: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

@Entity({ name: 'rollouts' })
export class RolloutEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  @Column('text', { nullable: true })
  description: string | null;

  @Column('text')
  modelVersion: string;

  @Column('text', { nullable: true })
  baselineVersion: string | null;

  @Column('text')
  status: RolloutStatus;

  @Column('numeric', { precision: 5, scale: 2, transformer: numericTransformer })
  percentage: number;

  @Column('integer')
  currentStage: number;

  @Column('timestamptz', { nullable: true })
  stageStartedAt: Date | null;

  @Column('timestamptz', { nullable: true })
  startTime: Date | null;

  @Column('jsonb')
  stages: RolloutStage[];

  @Column('jsonb')
  healthThresholds: HealthThresholds;

  @Column('text', { nullable: true })
  webhookUrl: string | null;

  @Column('jsonb', { nullable: true })
  lastHealth: LastHealth | null;

  @Column('text', { nullable: true })
  rollbackReason: string | null;

  @Column('timestamptz')
  createdAt: Date;

  @Column('timestamptz')
  updatedAt: Date;

  @Column('timestamptz', { nullable: true })
  startedAt: Date | null;

  @Column('timestamptz', { nullable: true })
  completedAt: Date | null;
}
