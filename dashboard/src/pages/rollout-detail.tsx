import { useEffect, useState } from 'preact/hooks';
import { RolloutAction, api } from '../api';
import { Banner, LoadError, Loading, ProgressBar, StatusBadge } from '../components/common';
import { fieldId, numberOrUndefined } from '../components/form';
import { dateTime, duration, hours, int, num, pct, percentage } from '../format';
import { useLive } from '../live';
import { Link } from '../router';
import type { HealthThresholds, LastHealth, Rollout } from '../types';
import { useAction } from '../use-action';
import { useResource } from '../use-resource';

const ACTION_LABEL: Record<RolloutAction, string> = {
  start: 'Start',
  pause: 'Pause',
  resume: 'Resume',
  promote: 'Promote to 100 %',
  rollback: 'Roll back',
};

function plural(n: number, noun: string): string {
  return `${int(n)} ${noun}${n === 1 ? '' : 's'}`;
}

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function RolloutDetail({ id }: { id: string }) {
  const rollout = useResource(() => api.rollouts.get(id), [id]);
  const history = useResource(() => api.rollouts.history(id), [id]);
  useLive(
    (e) => e.type === 'rollout.changed' && (e.id === id || e.id === undefined),
    () => {
      void rollout.reload();
      void history.reload();
    },
  );

  if (rollout.error && !rollout.data) return <main>{<LoadError error={rollout.error} what="Rollout" />}</main>;
  if (!rollout.data) return <main>{<Loading what="rollout" />}</main>;
  const r = rollout.data;
  const refresh = (): void => {
    void rollout.reload();
    void history.reload();
  };

  return (
    <main>
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href="/rollouts">Rollouts</Link> / <span>{r.name}</span>
      </nav>
      <div class="page-head">
        <div>
          <h1>
            {r.name} <StatusBadge status={r.status} />
          </h1>
          <p class="muted">
            {r.baselineVersion ? `${r.baselineVersion} → ` : ''}
            <code>{r.modelVersion}</code> · created {dateTime(r.createdAt)}
            {r.startedAt && <> · started {dateTime(r.startedAt)}</>}
            {r.completedAt && <> · finished {dateTime(r.completedAt)}</>}
          </p>
        </div>
      </div>
      {r.status === 'rolled_back' && (
        <Banner kind="error" title="Rolled back">
          <p class="reason">{r.rollbackReason ?? 'No reason given.'}</p>
          <p>The new model serves 0 % of traffic; start the rollout again once it is fixed.</p>
        </Banner>
      )}
      {r.status === 'completed' && (
        <Banner kind="success" title="Completed">
          The new model serves all traffic.
        </Banner>
      )}
      {r.description && <p>{r.description}</p>}

      <section class="card" aria-labelledby="now-title">
        <h2 id="now-title" class="visually-hidden">
          Current state
        </h2>
        <div class="big-number" data-testid="current-percentage">
          <span class="value">{percentage(r.percentage)}</span>
          <span class="muted">of users get {r.modelVersion}</span>
        </div>
        <ProgressBar label="Traffic on the new model" value={r.percentage} max={100} detail={percentage(r.percentage)} />
        <Commands rollout={r} onChanged={refresh} />
      </section>

      <div class="grid-2 top">
        <section class="card" aria-labelledby="stages-title">
          <h2 id="stages-title">Stages</h2>
          <StageTimeline rollout={r} />
        </section>
        <section class="card" aria-labelledby="health-title">
          <h2 id="health-title">Last health check</h2>
          <HealthPanel health={r.lastHealth} thresholds={r.healthThresholds} />
        </section>
      </div>

      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        {history.error && <LoadError error={history.error} what="History" />}
        {history.data && (
          <div class="table-wrap">
            <table class="wide" data-testid="rollout-history">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Percentage</th>
                  <th scope="col">Stage</th>
                  <th scope="col">Reason</th>
                  <th scope="col">By</th>
                </tr>
              </thead>
              <tbody>
                {history.data
                  .slice()
                  .reverse()
                  .map((h, i) => (
                    <tr key={i} class={`action-${h.action}`}>
                      <td>{dateTime(h.at)}</td>
                      <td>{h.action.replace('_', ' ')}</td>
                      <td>
                        {h.fromPercentage === h.toPercentage
                          ? percentage(h.toPercentage)
                          : `${percentage(h.fromPercentage)} → ${percentage(h.toPercentage)}`}
                      </td>
                      <td>{h.stage === null ? '—' : h.stage + 1}</td>
                      <td class="reason">{h.reason ?? ''}</td>
                      <td>{h.actor}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </main>
  );
}

function StageTimeline({ rollout: r }: { rollout: Rollout }) {
  const now = useNow(1000);
  const stages = r.schedule.stages;
  const started = !['draft', 'scheduled'].includes(r.status);
  return (
    <ol class="timeline" data-testid="stage-timeline">
      {stages.map((stage, i) => {
        let state: 'done' | 'current' | 'upcoming' | 'failed';
        if (r.status === 'completed') state = 'done';
        else if (!started) state = 'upcoming';
        else if (i < r.currentStage) state = 'done';
        else if (i === r.currentStage) state = r.status === 'rolled_back' ? 'failed' : 'current';
        else state = 'upcoming';
        let detail = `${hours(stage.durationHours)}`;
        if (state === 'current' && r.stageStartedAt) {
          const left = Date.parse(r.stageStartedAt) + stage.durationHours * 3_600_000 - now;
          detail =
            r.status === 'paused'
              ? 'paused: the timer restarts on resume'
              : left > 0
                ? `${duration(left)} left of ${hours(stage.durationHours)}`
                : 'duration reached: advancing at the next health check';
        } else if (state === 'failed') {
          detail = 'rolled back during this stage';
        } else if (state === 'done') {
          detail = `done (${hours(stage.durationHours)})`;
        }
        return (
          <li key={i} class={`stage stage-${state}`} aria-current={state === 'current' ? 'step' : undefined} data-stage={i}>
            <span class="stage-marker" aria-hidden="true">
              {state === 'done' ? '✓' : state === 'failed' ? '✕' : i + 1}
            </span>
            <span class="stage-body">
              <span>
                <strong>{percentage(stage.percentage)}</strong> <span class="stage-state">{state}</span>
              </span>
              <span class="muted stage-detail">{detail}</span>
            </span>
          </li>
        );
      })}
      {r.status === 'scheduled' && r.schedule.startTime && <li class="muted">Starts {dateTime(r.schedule.startTime)}</li>}
    </ol>
  );
}

interface CheckRow {
  name: string;
  value: string;
  threshold: string;
  state: 'pass' | 'fail' | 'off' | 'no data';
}

function healthRows(h: LastHealth, t: HealthThresholds): CheckRow[] {
  const failed = new Set(h.failedChecks.map((f) => f.check));
  const row = (
    name: string,
    check: 'errorRate' | 'latencyP95Ms' | 'accuracy',
    value: number | null,
    limit: number | null,
    fmt: (x: number) => string,
    cmp: string,
  ): CheckRow => ({
    name,
    value: value === null ? '—' : fmt(value),
    threshold: limit === null ? 'disabled' : `${cmp} ${fmt(limit)}`,
    state: limit === null ? 'off' : failed.has(check) ? 'fail' : value === null || h.verdict === 'waiting_for_data' ? 'no data' : 'pass',
  });
  return [
    {
      name: 'Requests',
      value: int(h.requests),
      threshold: t.minRequests === null ? 'disabled' : `≥ ${int(t.minRequests)}`,
      state: t.minRequests === null ? 'off' : h.requests >= t.minRequests ? 'pass' : 'no data',
    },
    row('Error rate', 'errorRate', h.errorRate, t.maxErrorRate, (x) => pct(x, 2), '≤'),
    row('p95 latency', 'latencyP95Ms', h.latencyP95Ms, t.maxLatencyMs, (x) => `${num(x)} ms`, '≤'),
    row('Accuracy', 'accuracy', h.accuracy, t.minAccuracy, (x) => pct(x, 1), '≥'),
  ];
}

const VERDICT_TEXT = { healthy: 'Healthy', unhealthy: 'Unhealthy', waiting_for_data: 'Waiting for data' } as const;

function HealthPanel({ health, thresholds }: { health: LastHealth | null; thresholds: HealthThresholds }) {
  if (!health)
    return (
      <p class="muted">
        No health check yet: the scheduler evaluates a running rollout on every tick from the reports and observations it receives.
      </p>
    );
  return (
    <div>
      <p>
        <span class={`badge verdict-${health.verdict}`} data-testid="health-verdict">
          {VERDICT_TEXT[health.verdict]}
        </span>{' '}
        <span class="muted">
          stage {health.stage + 1} at {percentage(health.percentage)}, evaluated {dateTime(health.evaluatedAt)} (
          {plural(health.reports, 'report')}, {plural(health.observations, 'observation')})
        </span>
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Check</th>
              <th scope="col">Value</th>
              <th scope="col">Threshold</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {healthRows(health, thresholds).map((c) => (
              <tr key={c.name} class={`check-${c.state.replace(' ', '-')}`}>
                <th scope="row">{c.name}</th>
                <td>{c.value}</td>
                <td>{c.threshold}</td>
                <td>
                  <span class={`check-state ${c.state.replace(' ', '-')}`}>
                    {c.state === 'pass' ? '✓ pass' : c.state === 'fail' ? '✕ fail' : c.state}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function Commands({ rollout: r, onChanged }: { rollout: Rollout; onChanged: () => void }) {
  const [reason, setReason] = useState('');
  const [target, setTarget] = useState('');
  const { busy, error, run: runAction } = useAction();
  // Only what the rollout's status accepts is offered: the server says which (allowedActions).
  const commands = r.allowedActions;

  const run = (label: string, call: () => Promise<unknown>): Promise<boolean> =>
    runAction(label, async () => {
      await call();
      setReason('');
      setTarget('');
      onChanged();
    });
  const percentageProblem = error?.details.find((d) => d.field === 'percentage')?.problem;

  return (
    <div class="commands">
      <div class="field">
        <label for="command-reason">Reason (optional, kept in the history)</label>
        <input id="command-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} maxLength={2000} />
      </div>
      <div class="actions" role="group" aria-label="Rollout actions">
        {commands
          .filter((c): c is RolloutAction => c in ACTION_LABEL)
          .map((action) => (
            <button
              key={action}
              type="button"
              class={action === 'rollback' ? 'danger' : action === 'start' || action === 'resume' ? 'primary' : ''}
              disabled={busy !== null}
              onClick={() => void run(action, () => api.rollouts.action(r.id, action, reason.trim() || undefined))}
            >
              {busy === action ? `${ACTION_LABEL[action]}…` : ACTION_LABEL[action]}
            </button>
          ))}
      </div>
      {commands.includes('percentage') && (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run('percentage', () => api.rollouts.setPercentage(r.id, numberOrUndefined(target), reason.trim() || undefined));
          }}
          noValidate
        >
          <div class={`field ${percentageProblem ? 'has-error' : ''}`}>
            <label for={fieldId('percentage')}>Set percentage manually (0–100)</label>
            <input
              id={fieldId('percentage')}
              inputMode="decimal"
              value={target}
              onInput={(e) => setTarget(e.currentTarget.value)}
              aria-invalid={percentageProblem ? true : undefined}
              aria-describedby={percentageProblem ? `${fieldId('percentage')}-error` : undefined}
            />
            {percentageProblem && (
              <p class="field-error" id={`${fieldId('percentage')}-error`} role="alert">
                {percentageProblem}
              </p>
            )}
          </div>
          <button type="submit" disabled={busy !== null}>
            {busy === 'percentage' ? 'Setting…' : 'Set percentage'}
          </button>
        </form>
      )}
      {error && !percentageProblem && (
        <p class="field-error" role="alert">
          {error.message}
        </p>
      )}
    </div>
  );
}
