import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Actor } from '../common/auth/access.decorator';
import { numericTransformer } from './rollout.entity';
import type { LastHealth, RolloutAction } from './rollout.model';

@Entity({ name: 'rollout_history' })
export class RolloutHistoryEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('uuid')
  rolloutId: string;

  @Column('timestamptz')
  at: Date;

  @Column('text')
  action: RolloutAction;

  @Column('numeric', { precision: 5, scale: 2, nullable: true, transformer: numericTransformer })
  fromPercentage: number | null;

  @Column('numeric', { precision: 5, scale: 2, nullable: true, transformer: numericTransformer })
  toPercentage: number | null;

  @Column('integer', { nullable: true })
  stage: number | null;

  @Column('text', { nullable: true })
  reason: string | null;

  @Column('jsonb', { nullable: true })
  health: LastHealth | null;

  @Column('text')
  actor: Actor;
}
