import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AlertSeverity, AlertStatus, AlertSubjectType } from './alert.model';

@Entity({ name: 'alerts' })
export class AlertEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  kind: string;

  @Column('text')
  severity: AlertSeverity;

  @Column('text')
  subjectType: AlertSubjectType;

  @Column('text')
  subjectId: string;

  @Column('text')
  message: string;

  @Column('text')
  status: AlertStatus;

  @Column('timestamptz')
  createdAt: Date;

  @Column('timestamptz', { nullable: true })
  acknowledgedAt: Date | null;

  @Column('timestamptz', { nullable: true })
  resolvedAt: Date | null;
}
