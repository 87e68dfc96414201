import { useState } from 'preact/hooks';
import { ExperimentAction, api } from '../api';
import { Banner, LoadError, Loading, StatusBadge } from '../components/common';
import { dateTime, pct } from '../format';
import { useLive } from '../live';
import { Link } from '../router';
import type { Experiment } from '../types';
import { useAction } from '../use-action';
import { useResource } from '../use-resource';
import { ResultsPanel } from './results-panel';

const ACTION_LABEL: Record<ExperimentAction, string> = { start: 'Start', pause: 'Pause', resume: 'Resume', complete: 'Complete' };

export function ExperimentDetail({ idOrKey }: { idOrKey: string }) {
  const experiment = useResource(() => api.experiments.get(idOrKey), [idOrKey]);
  const history = useResource(() => api.experiments.history(idOrKey), [idOrKey]);
  const [resultsVersion, setResultsVersion] = useState(0);
  useLive(
    (e) => e.type === 'experiment.changed' && (e.id === experiment.data?.id || e.id === undefined),
    () => {
      void experiment.reload();
      void history.reload();
      setResultsVersion((n) => n + 1);
    },
  );

  if (experiment.error && !experiment.data) return <main>{<LoadError error={experiment.error} what="Experiment" />}</main>;
  if (!experiment.data) return <main>{<Loading what="experiment" />}</main>;
  const e = experiment.data;

  return (
    <main>
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href="/experiments">Experiments</Link> / <span>{e.key}</span>
      </nav>
      <div class="page-head">
        <div>
          <h1>
            {e.name} <StatusBadge status={e.status} />
          </h1>
          <p class="muted">
            <code>{e.key}</code> · created {dateTime(e.createdAt)}
            {e.startedAt && <> · started {dateTime(e.startedAt)}</>}
            {e.completedAt && <> · completed {dateTime(e.completedAt)}</>}
          </p>
        </div>
        <Lifecycle
          experiment={e}
          onChanged={() => void Promise.all([experiment.reload(), history.reload()]).then(() => setResultsVersion((n) => n + 1))}
        />
      </div>
      {e.winner && (
        <Banner kind="success" title={`Winner: ${e.winner}`}>
          Every assignment now serves the winner's configuration.
        </Banner>
      )}
      {e.hypothesis && (
        <p class="hypothesis">
          <strong>Hypothesis:</strong> {e.hypothesis}
        </p>
      )}
      {e.description && <p>{e.description}</p>}

      {e.status === 'draft' ? (
        <Banner kind="info" title="Draft">
          Start the experiment to begin assigning users; results appear here once users are assigned and events arrive.
        </Banner>
      ) : (
        <ResultsPanel experiment={e} version={resultsVersion} />
      )}

      <Definition experiment={e} />

      <section class="card">
        <h2>History</h2>
        {history.error && <LoadError error={history.error} what="History" />}
        {history.data && (
          <div class="table-wrap">
            <table class="wide">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Status</th>
                  <th scope="col">Changes</th>
                  <th scope="col">By</th>
                </tr>
              </thead>
              <tbody>
                {history.data
                  .slice()
                  .reverse()
                  .map((h, i) => (
                    <tr key={i}>
                      <td>{dateTime(h.at)}</td>
                      <td>{h.action}</td>
                      <td>{h.from || h.to ? `${h.from ?? '—'} → ${h.to ?? '—'}` : ''}</td>
                      <td class="changes">{h.changes ? Object.keys(h.changes).join(', ') : ''}</td>
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

function Lifecycle({ experiment, onChanged }: { experiment: Experiment; onChanged: () => void }) {
  const { busy, error, run: runAction } = useAction<ExperimentAction>();
  const [winner, setWinner] = useState('');
  // Only what the experiment's status accepts is offered: the server says which (allowedActions).
  const actions = experiment.allowedActions;
  if (actions.length === 0) return null;

  const run = (action: ExperimentAction): Promise<boolean> =>
    runAction(action, async () => {
      await api.experiments.transition(experiment.key, action, action === 'complete' && winner ? { winner } : {});
      onChanged();
    });

  return (
    <div class="actions" role="group" aria-label="Lifecycle">
      {actions.includes('complete') && (
        <div class="inline-field">
          <label for="winner-select">Winner on complete</label>
          <select id="winner-select" value={winner} onChange={(e) => setWinner(e.currentTarget.value)}>
            <option value="">none (keep serving control)</option>
            {experiment.variants.map((v) => (
              <option key={v.name} value={v.name}>
                {v.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {actions.map((action) => (
        <button
          key={action}
          type="button"
          class={action === 'start' || action === 'resume' ? 'primary' : action === 'complete' ? 'danger' : ''}
          disabled={busy !== null}
          onClick={() => void run(action)}
        >
          {busy === action ? `${ACTION_LABEL[action]}…` : ACTION_LABEL[action]}
        </button>
      ))}
      {error && (
        <p class="field-error" role="alert">
          {error.message}
        </p>
      )}
    </div>
  );
}

function Definition({ experiment: e }: { experiment: Experiment }) {
  return (
    <section class="card">
      <h2>Definition</h2>
      <dl class="facts">
        <div>
          <dt>Traffic allocation</dt>
          <dd>{pct(e.trafficAllocation, 0)} of users</dd>
        </div>
        <div>
          <dt>Minimum users per variant</dt>
          <dd>{e.minimumSampleSize}</dd>
        </div>
        <div>
          <dt>Confidence</dt>
          <dd>{pct(e.confidenceLevel, 1)}</dd>
        </div>
        <div>
          <dt>Analysis</dt>
          <dd>
            {e.analysis}, correction {e.correction}
          </dd>
        </div>
        <div>
          <dt>Hash seed</dt>
          <dd>
            <code>{e.hashSeed}</code>
          </dd>
        </div>
      </dl>
      <div class="grid-2">
        <div class="table-wrap">
          <table>
            <caption>Variants</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Weight</th>
                <th scope="col">Config</th>
              </tr>
            </thead>
            <tbody>
              {e.variants.map((v) => (
                <tr key={v.name}>
                  <td>
                    {v.name}
                    {v.name === e.controlVariant && <span class="tag">control</span>}
                  </td>
                  <td>{pct(v.weight, 1)}</td>
                  <td>
                    <code class="json">{JSON.stringify(v.config)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div class="table-wrap">
          <table>
            <caption>Metrics</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Type</th>
                <th scope="col">Goal</th>
                <th scope="col">Role</th>
              </tr>
            </thead>
            <tbody>
              {e.metrics.map((m) => (
                <tr key={m.name}>
                  <td>{m.name}</td>
                  <td>{m.type}</td>
                  <td>{m.goal}</td>
                  <td>{m.role}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}
