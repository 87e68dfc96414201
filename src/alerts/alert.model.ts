export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export type AlertSubjectType = 'rollout' | 'experiment';

/** Kinds raised today; the column takes any snake_case kind so new producers need no migration. */
export type AlertKind = 'rollout_rollback' | 'srm' | 'guardrail_failure' | (string & {});

export interface RaiseAlert {
  kind: AlertKind;
  severity: AlertSeverity;
  subjectType: AlertSubjectType;
  subjectId: string;
  message: string;
}
