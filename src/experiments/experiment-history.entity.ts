import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Actor } from '../common/auth/access.decorator';
import type { ExperimentStatus } from './experiment.model';

@Entity({ name: 'experiment_history' })
export class ExperimentHistoryEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  experimentId: string;

  @Column('timestamptz')
  at: Date;

  @Column('text')
  action: string;

  @Column('text', { nullable: true })
  fromStatus: ExperimentStatus | null;

  @Column('text', { nullable: true })
  toStatus: ExperimentStatus | null;

  @Column('jsonb', { nullable: true })
  changes: Record<string, { from: unknown; to: unknown }> | null;

  @Column('text')
  actor: Actor;
}
