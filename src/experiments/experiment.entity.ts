import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AnalysisKind, Correction, ExperimentStatus, Metric, Variant } from './experiment.model';

@Entity({ name: 'experiments' })
export class ExperimentEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  key: string;

  @Column('text')
  name: string;

  @Column('text', { nullable: true })
  description: string | null;

  @Column('text', { nullable: true })
  hypothesis: string | null;

  @Column('text')
  status: ExperimentStatus;

  @Column('jsonb')
  variants: Variant[];

  @Column('text')
  controlVariant: string;

  @Column('double precision')
  trafficAllocation: number;

  @Column('jsonb')
  metrics: Metric[];

  @Column('integer')
  minimumSampleSize: number;

  @Column('double precision')
  confidenceLevel: number;

  @Column('text')
  analysis: AnalysisKind;

  @Column('text')
  correction: Correction;

  @Column('text')
  hashSeed: string;

  @Column('text', { nullable: true })
  winner: string | null;

  @Column('timestamptz')
  createdAt: Date;

  @Column('timestamptz')
  updatedAt: Date;

  @Column('timestamptz', { nullable: true })
  startedAt: Date | null;

  @Column('timestamptz', { nullable: true })
  pausedAt: Date | null;

  @Column('timestamptz', { nullable: true })
  completedAt: Date | null;
}
