import type { AlertEntity } from './alert.entity';
import type { AlertSeverity, AlertStatus, AlertSubjectType } from './alert.model';

export interface AlertResponse {
  id: string;
  kind: string;
  severity: AlertSeverity;
  subjectType: AlertSubjectType;
  subjectId: string;
  message: string;
  status: AlertStatus;
  createdAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
}

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
