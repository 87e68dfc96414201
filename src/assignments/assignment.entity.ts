import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'assignments' })
export class AssignmentEntity {
  @PrimaryColumn('uuid')
  experimentId: string;

  @PrimaryColumn('text')
  userId: string;

  @Column('text')
  variant: string;

  @Column('timestamptz')
  assignedAt: Date;

  @Column('bigint')
  exposures: string;

  @Column('timestamptz')
  lastExposedAt: Date;
}
