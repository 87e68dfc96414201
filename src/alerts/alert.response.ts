import type { AlertEntity } from './alert.entity';
import { ApiProperty } from '@nestjs/swagger';
import { PageOf } from '../common/pagination';
import { ALERT_SEVERITIES, ALERT_STATUSES, type AlertSeverity, type AlertStatus, type AlertSubjectType } from './alert.model';

const nullableDate = { type: String, format: 'date-time', nullable: true } as const;

export class AlertResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'rollout_rollback', description: 'rollout_rollback, srm, guardrail_failure, …' }) kind: string;
  @ApiProperty({ enum: ALERT_SEVERITIES, enumName: 'AlertSeverity' }) severity: AlertSeverity;
  @ApiProperty({ enum: ['rollout', 'experiment'], enumName: 'AlertSubjectType' }) subjectType: AlertSubjectType;
  @ApiProperty({ format: 'uuid' }) subjectId: string;
  @ApiProperty() message: string;
  @ApiProperty({ enum: ALERT_STATUSES, enumName: 'AlertStatus' }) status: AlertStatus;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty(nullableDate) acknowledgedAt: string | null;
  @ApiProperty(nullableDate) resolvedAt: string | null;
}

export class AlertPage extends PageOf(AlertResponse) {}

export function toAlertResponse(a: AlertEntity): AlertResponse {
  return {
    id: a.id,
    kind: a.kind,
    severity: a.severity,
    subjectType: a.subjectType,
    subjectId: a.subjectId,
    message: a.message,
    status: a.status,
    createdAt: a.createdAt.toISOString(),
    acknowledgedAt: a.acknowledgedAt ? a.acknowledgedAt.toISOString() : null,
    resolvedAt: a.resolvedAt ? a.resolvedAt.toISOString() : null,
  };
}
