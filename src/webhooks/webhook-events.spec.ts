import {
  alertEvent,
  experimentEvent,
  rolloutEvent,
  standardBody,
  subscriptionMatches,
  SUBSCRIBABLE_EVENT_TYPES,
  testEvent,
  WEBHOOK_EVENT_TYPES,
} from './webhook-events';
import { slackBody } from './webhook-slack';

export const rollout = {
  id: '0b1e2a7c-4f7e-4d2b-9a52-3d3e5c1f9a10',
  name: 'ml-model-v2-rollout',
  description: null,
  modelVersion: 'v2.0.0',
  baselineVersion: 'v1.4.2',
  status: 'rolled_back',
  percentage: 0,
  currentStage: 1,
  stageStartedAt: '2026-11-23T10:00:00.000Z',
  schedule: {
    startTime: null,
    stages: [
      { percentage: 5, durationHours: 2 },
      { percentage: 25, durationHours: 4 },
      { percentage: 100, durationHours: 24 },
    ],
  },
  rollbackReason: 'errorRate 0.12 > 0.05',
};

describe('event types', () => {
  it('should be exactly the ones of issue 16', () => {
    expect(WEBHOOK_EVENT_TYPES).toEqual([
      'rollout.started',
      'rollout.advanced',
      'rollout.held',
      'rollout.paused',
      'rollout.resumed',
      'rollout.promoted',
      'rollout.completed',
      'rollout.rolled_back',
      'experiment.started',
      'experiment.paused',
      'experiment.resumed',
      'experiment.completed',
      'alert.raised',
      'alert.resolved',
      'webhook.test',
    ]);
    expect(SUBSCRIBABLE_EVENT_TYPES).not.toContain('webhook.test');
  });
});

describe('standardBody', () => {
  const now = new Date('2026-11-23T12:00:00.000Z');

  it('should be { type, timestamp, data } with the whole subject and the details in data', () => {
    const event = rolloutEvent('rollout.rolled_back', rollout, {
      trigger: 'automatic',
      reason: rollout.rollbackReason,
      fromPercentage: 25,
      toPercentage: 0,
      stage: 1,
      health: { verdict: 'unhealthy', requests: 1000 },
      failedChecks: [{ check: 'errorRate', value: 0.12, threshold: 0.05, comparison: '>' }],
    });
    expect(JSON.parse(standardBody(event, now))).toEqual({
      type: 'rollout.rolled_back',
      timestamp: '2026-11-23T12:00:00.000Z',
      data: {
        rollout,
        trigger: 'automatic',
        reason: 'errorRate 0.12 > 0.05',
        fromPercentage: 25,
        toPercentage: 0,
        stage: 1,
        health: { verdict: 'unhealthy', requests: 1000 },
        failedChecks: [{ check: 'errorRate', value: 0.12, threshold: 0.05, comparison: '>' }],
      },
    });
  });

  it("should keep the event's own timestamp when it has one", () => {
    const experiment = { id: 'e1', key: 'checkout', name: 'Checkout', status: 'completed', winner: 'green' };
    const body = JSON.parse(standardBody(experimentEvent('experiment.completed', experiment, {}, new Date('2026-11-20T00:00:00Z')), now));
    expect(body).toEqual({ type: 'experiment.completed', timestamp: '2026-11-20T00:00:00.000Z', data: { experiment } });
  });
});

describe('subscriptionMatches', () => {
  it('should match a listed type or "*"', () => {
    expect(subscriptionMatches(['*'], 'alert.raised')).toBe(true);
    expect(subscriptionMatches(['alert.raised'], 'alert.raised')).toBe(true);
    expect(subscriptionMatches(['alert.resolved', 'rollout.rolled_back'], 'alert.raised')).toBe(false);
  });
});

describe('slackBody', () => {
  const text = (body: string): string => (JSON.parse(body) as { text: string }).text;

  it('should name the rollout, the stage, the failed checks and link to the dashboard', () => {
    const event = rolloutEvent('rollout.rolled_back', rollout, {
      trigger: 'automatic',
      reason: 'errorRate 0.12 > 0.05',
      fromPercentage: 25,
      toPercentage: 0,
      stage: 1,
      failedChecks: [
        { check: 'errorRate', value: 0.123456, threshold: 0.05, comparison: '>' },
        { check: 'latencyP95Ms', value: 340, threshold: 200, comparison: '>' },
      ],
    });
    expect(text(slackBody(event, 'https://exp.example.com/'))).toBe(
      ':rotating_light: Rollout *ml-model-v2-rollout* (model v2.0.0) rolled back (automatic) from 25 % to 0 % at stage 2 of 3. ' +
        'Reason: errorRate 0.12 &gt; 0.05 Failed checks: error rate 0.1235 &gt; 0.05; p95 latency (ms) 340 &gt; 200. ' +
        '<https://exp.example.com/rollouts/0b1e2a7c-4f7e-4d2b-9a52-3d3e5c1f9a10|Open in the dashboard>',
    );
  });

  it('should leave the link out without PUBLIC_URL and escape what Slack would read as markup', () => {
    const event = rolloutEvent(
      'rollout.advanced',
      { ...rollout, name: '<!channel> & co', percentage: 25 },
      { fromPercentage: 5, toPercentage: 25, stage: 1 },
    );
    expect(text(slackBody(event, null))).toBe(
      ':arrow_up: Rollout *&lt;!channel&gt; &amp; co* (model v2.0.0) advanced from 5 % to 25 % at stage 2 of 3.',
    );
  });

  it('should describe experiments, alerts and the test event', () => {
    const experiment = { id: 'e1', key: 'checkout-button', name: 'Checkout button', status: 'completed', winner: 'green' };
    expect(text(slackBody(experimentEvent('experiment.completed', experiment), 'http://x.test'))).toBe(
      ':test_tube: Experiment *Checkout button* (checkout-button) completed; winner: *green*. <http://x.test/experiments/checkout-button|Open in the dashboard>',
    );
    expect(text(slackBody(experimentEvent('experiment.started', { ...experiment, status: 'running', winner: null }), null))).toBe(
      ':test_tube: Experiment *Checkout button* (checkout-button) started.',
    );
    const alert = {
      id: 'a1',
      kind: 'rollout_rollback',
      severity: 'critical',
      subjectType: 'rollout',
      subjectId: rollout.id,
      message: 'rolled back',
      status: 'open',
    };
    expect(text(slackBody(alertEvent('alert.raised', alert), null))).toBe(
      `:rotating_light: Alert raised (critical): rollout rollback on rollout ${rollout.id}: rolled back`,
    );
    expect(text(slackBody(testEvent({ id: 'w1', url: 'https://hooks.slack.com/x', description: 'ops channel' }), null))).toBe(
      ':wave: Test notification for webhook ops channel: it works.',
    );
  });
});
