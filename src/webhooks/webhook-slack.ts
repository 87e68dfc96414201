/**
 * `format: "slack"`: the body of a Slack incoming webhook, `{ "text": "…" }`, in Slack's mrkdwn.
 * Plain TypeScript: no framework, no database.
 */
import type { FailedCheckLike, RolloutEventData, RolloutEventType, WebhookEvent } from './webhook-events';

/** Slack reads &, < and > in message text as markup (links, mentions): escaped, a name stays a name. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function number(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '?';
  return String(Number(value.toPrecision(4)));
}

const CHECK_NAMES: Record<string, string> = { errorRate: 'error rate', latencyP95Ms: 'p95 latency (ms)', accuracy: 'accuracy' };

export function describeChecks(checks: readonly FailedCheckLike[]): string {
  return checks.map((c) => `${CHECK_NAMES[c.check] ?? c.check} ${number(c.value)} ${c.comparison} ${number(c.threshold)}`).join('; ');
}

function link(publicUrl: string | null, path: string): string {
  if (publicUrl === null) return '';
  return ` <${publicUrl.replace(/\/+$/, '')}${path}|Open in the dashboard>`;
}

function stageText(data: RolloutEventData): string {
  const stage = data.stage ?? data.rollout.currentStage;
  const stages = data.rollout.schedule?.stages.length;
  return stages ? `stage ${stage + 1} of ${stages}` : `stage ${stage + 1}`;
}

const ROLLOUT_HEADLINES: Record<RolloutEventType, [emoji: string, verb: (d: RolloutEventData) => string]> = {
  'rollout.started': [':arrow_forward:', (d) => `started at ${number(d.toPercentage ?? d.rollout.percentage)} %`],
  'rollout.advanced': [
    ':arrow_up:',
    (d) => `advanced from ${number(d.fromPercentage)} % to ${number(d.toPercentage ?? d.rollout.percentage)} %`,
  ],
  'rollout.held': [':hourglass_flowing_sand:', (d) => `held at ${number(d.rollout.percentage)} %`],
  'rollout.paused': [':double_vertical_bar:', (d) => `paused at ${number(d.rollout.percentage)} %`],
  'rollout.resumed': [':arrow_forward:', (d) => `resumed at ${number(d.rollout.percentage)} %`],
  'rollout.promoted': [':white_check_mark:', () => 'promoted to 100 %'],
  'rollout.completed': [':white_check_mark:', () => 'completed at 100 %'],
  'rollout.rolled_back': [
    ':rotating_light:',
    (d) => `rolled back${d.trigger ? ` (${d.trigger})` : ''} from ${number(d.fromPercentage)} % to ${number(d.toPercentage ?? 0)} %`,
  ],
};

function rolloutText(type: RolloutEventType, data: RolloutEventData, publicUrl: string | null): string {
  const [emoji, verb] = ROLLOUT_HEADLINES[type];
  const r = data.rollout;
  const parts = [`${emoji} Rollout *${escapeSlack(r.name)}* (model ${escapeSlack(r.modelVersion)}) ${verb(data)} at ${stageText(data)}.`];
  if (data.reason) parts.push(`Reason: ${escapeSlack(data.reason)}`);
  if (data.failedChecks && data.failedChecks.length > 0) parts.push(`Failed checks: ${escapeSlack(describeChecks(data.failedChecks))}.`);
  return parts.join(' ') + link(publicUrl, `/rollouts/${encodeURIComponent(r.id)}`);
}

/** The `text` of the Slack message for one event. */
export function slackText(event: WebhookEvent, publicUrl: string | null): string {
  switch (event.type) {
    case 'rollout.started':
    case 'rollout.advanced':
    case 'rollout.held':
    case 'rollout.paused':
    case 'rollout.resumed':
    case 'rollout.promoted':
    case 'rollout.completed':
    case 'rollout.rolled_back':
      return rolloutText(event.type, event.data, publicUrl);
    case 'experiment.started':
    case 'experiment.paused':
    case 'experiment.resumed':
    case 'experiment.completed': {
      const e = event.data.experiment;
      const verb = event.type.slice('experiment.'.length);
      const winner = event.data.winner !== undefined ? event.data.winner : e.winner;
      const outcome = event.type === 'experiment.completed' ? (winner ? `; winner: *${escapeSlack(winner)}*` : ' without a winner') : '';
      const reason = event.data.reason ? ` Reason: ${escapeSlack(event.data.reason)}` : '';
      return (
        `:test_tube: Experiment *${escapeSlack(e.name)}* (${escapeSlack(e.key)}) ${verb}${outcome}.${reason}` +
        link(publicUrl, `/experiments/${encodeURIComponent(e.key)}`)
      );
    }
    case 'alert.raised':
    case 'alert.resolved': {
      const a = event.data.alert;
      const emoji = event.type === 'alert.raised' ? (a.severity === 'critical' ? ':rotating_light:' : ':warning:') : ':white_check_mark:';
      const verb = event.type === 'alert.raised' ? `raised (${escapeSlack(a.severity)})` : 'resolved';
      return (
        `${emoji} Alert ${verb}: ${escapeSlack(a.kind.replace(/_/g, ' '))} on ${escapeSlack(a.subjectType)} ${escapeSlack(a.subjectId)}: ${escapeSlack(a.message)}` +
        link(publicUrl, '/alerts')
      );
    }
    case 'webhook.test': {
      const w = event.data.webhook;
      return `:wave: Test notification for webhook ${escapeSlack(w.description ?? w.id)}: it works.` + link(publicUrl, '/webhooks');
    }
  }
}

export function slackBody(event: WebhookEvent, publicUrl: string | null): string {
  return JSON.stringify({ text: slackText(event, publicUrl) });
}
