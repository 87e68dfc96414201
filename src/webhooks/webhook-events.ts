/**
 * The events a webhook can carry and the one place their payloads are built (docs/webhooks.md).
 * Emitters call `rolloutEvent`, `experimentEvent` or `alertEvent` with the subject as the API
 * returns it and hand the result to `WebhookOutbox.enqueue` inside their transaction.
 * Plain TypeScript: no framework, no database.
 */

export const ROLLOUT_EVENT_TYPES = [
  'rollout.started',
  'rollout.advanced',
  'rollout.held',
  'rollout.paused',
  'rollout.resumed',
  'rollout.promoted',
  'rollout.completed',
  'rollout.rolled_back',
] as const;
export const EXPERIMENT_EVENT_TYPES = ['experiment.started', 'experiment.paused', 'experiment.resumed', 'experiment.completed'] as const;
export const ALERT_EVENT_TYPES = ['alert.raised', 'alert.resolved'] as const;
export const TEST_EVENT_TYPE = 'webhook.test';

export type RolloutEventType = (typeof ROLLOUT_EVENT_TYPES)[number];
export type ExperimentEventType = (typeof EXPERIMENT_EVENT_TYPES)[number];
export type AlertEventType = (typeof ALERT_EVENT_TYPES)[number];
export type TestEventType = typeof TEST_EVENT_TYPE;

/** What a subscription may list in `events` (besides "*"); `webhook.test` goes to whoever asks for it. */
export const SUBSCRIBABLE_EVENT_TYPES = [...ROLLOUT_EVENT_TYPES, ...EXPERIMENT_EVENT_TYPES, ...ALERT_EVENT_TYPES] as const;
export type SubscribableEventType = (typeof SUBSCRIBABLE_EVENT_TYPES)[number];
export const WEBHOOK_EVENT_TYPES = [...SUBSCRIBABLE_EVENT_TYPES, TEST_EVENT_TYPE] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export const ALL_EVENTS = '*';

/*
 * The subjects, by the fields the notifications read. Emitters pass the full API response
 * (RolloutResponse, ExperimentResponse, AlertResponse): every field of it goes into `data`.
 */
export interface RolloutSubject {
  id: string;
  name: string;
  modelVersion: string;
  status: string;
  percentage: number;
  currentStage: number;
  schedule?: { stages: ReadonlyArray<{ percentage: number }> };
}

export interface ExperimentSubject {
  id: string;
  key: string;
  name: string;
  status: string;
  winner?: string | null;
}

export interface AlertSubject {
  id: string;
  kind: string;
  severity: string;
  subjectType: string;
  subjectId: string;
  message: string;
  status: string;
}

export interface FailedCheckLike {
  check: string;
  value: number;
  threshold: number;
  comparison: string;
}

/** What happened to the rollout besides its new state; every field is optional. */
export interface RolloutEventDetails {
  /** `automatic` (the scheduler) or `manual` (an admin call). */
  trigger?: 'automatic' | 'manual';
  reason?: string | null;
  fromPercentage?: number | null;
  toPercentage?: number | null;
  stage?: number | null;
  /** The health snapshot the decision was made on (`lastHealth`). */
  health?: unknown;
  failedChecks?: readonly FailedCheckLike[];
}

export interface ExperimentEventDetails {
  reason?: string | null;
  winner?: string | null;
  actor?: string;
}

export interface AlertEventDetails {
  /** The rollout or experiment the alert is about, when the emitter has it at hand. */
  subject?: unknown;
}

export interface RolloutEventData extends RolloutEventDetails {
  rollout: RolloutSubject;
}
export interface ExperimentEventData extends ExperimentEventDetails {
  experiment: ExperimentSubject;
}
export interface AlertEventData extends AlertEventDetails {
  alert: AlertSubject;
}
export interface TestEventData {
  webhook: { id: string; url: string; description: string | null };
  message: string;
}

/** An event as emitters hand it to the outbox; `timestamp` defaults to the clock's now. */
export type WebhookEvent =
  | { type: RolloutEventType; timestamp?: Date; data: RolloutEventData }
  | { type: ExperimentEventType; timestamp?: Date; data: ExperimentEventData }
  | { type: AlertEventType; timestamp?: Date; data: AlertEventData }
  | { type: TestEventType; timestamp?: Date; data: TestEventData };

/** The JSON body of a `standard` delivery. */
export interface WebhookPayload {
  type: WebhookEventType;
  timestamp: string;
  data: WebhookEvent['data'];
}

export function rolloutEvent(
  type: RolloutEventType,
  rollout: RolloutSubject,
  details: RolloutEventDetails = {},
  timestamp?: Date,
): WebhookEvent {
  return { type, timestamp, data: { rollout, ...details } };
}

export function experimentEvent(
  type: ExperimentEventType,
  experiment: ExperimentSubject,
  details: ExperimentEventDetails = {},
  timestamp?: Date,
): WebhookEvent {
  return { type, timestamp, data: { experiment, ...details } };
}

export function alertEvent(type: AlertEventType, alert: AlertSubject, details: AlertEventDetails = {}, timestamp?: Date): WebhookEvent {
  return { type, timestamp, data: { alert, ...details } };
}

export function testEvent(webhook: TestEventData['webhook'], timestamp?: Date): WebhookEvent {
  return {
    type: TEST_EVENT_TYPE,
    timestamp,
    data: { webhook, message: 'A test notification: if you can read this, the webhook works.' },
  };
}

export function isSubscribableEventType(value: string): value is SubscribableEventType {
  return (SUBSCRIBABLE_EVENT_TYPES as readonly string[]).includes(value);
}

/** Does a subscription to `events` receive `type`? (The SQL of the outbox asks the same question.) */
export function subscriptionMatches(events: readonly string[], type: WebhookEventType): boolean {
  return events.includes(ALL_EVENTS) || events.includes(type);
}

/** The exact bytes a `standard` receiver gets (and that the signature covers). */
export function standardBody(event: WebhookEvent, now: Date): string {
  const payload: WebhookPayload = { type: event.type, timestamp: (event.timestamp ?? now).toISOString(), data: event.data };
  return JSON.stringify(payload);
}
