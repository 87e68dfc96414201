import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { Banner, LoadError, Loading, ProgressBar } from '../components/common';
import { IntervalPlot, IntervalRow } from '../components/interval-plot';
import { TimeseriesChart } from '../components/timeseries-chart';
import { dateTime, int, num, pValue, pct, signedPct } from '../format';
import type { Comparison, Decision, Experiment, MetricResult, Results } from '../types';
import { useResource } from '../use-resource';

const AUTO_REFRESH_MS = 30_000;

const DECISION_TITLE: Record<Decision, (r: Results) => string> = {
  winner: (r) => `Winner: ${r.winner}`,
  no_winner: () => 'No winner yet',
  insufficient_data: () => 'Not enough data yet',
  srm: () => 'Sample ratio mismatch: results are not trustworthy',
  guardrail_failure: () => 'Blocked by a guardrail metric',
};

const DECISION_KIND: Record<Decision, 'success' | 'info' | 'warning' | 'error'> = {
  winner: 'success',
  no_winner: 'info',
  insufficient_data: 'info',
  srm: 'error',
  guardrail_failure: 'warning',
};

function isRecent(iso: string | null, days: number): boolean {
  return iso !== null && Date.now() - Date.parse(iso) < days * 86_400_000;
}

/** Per §5: the primary first, then secondary and guardrail metrics. */
function ordered(metrics: MetricResult[]): MetricResult[] {
  const rank = { primary: 0, secondary: 1, guardrail: 2 } as const;
  return metrics.slice().sort((a, b) => rank[a.role] - rank[b.role]);
}

function direction(c: Comparison, goal: 'increase' | 'decrease'): 'better' | 'worse' | 'neutral' {
  if (!c.significant || c.absoluteDiff === null || c.absoluteDiff === 0) return 'neutral';
  return c.absoluteDiff > 0 === (goal === 'increase') ? 'better' : 'worse';
}

export function ResultsPanel({ experiment, version }: { experiment: Experiment; version: number }) {
  const [fresh, setFresh] = useState(0);
  const interval = isRecent(experiment.startedAt, 3) ? 'hour' : 'day';
  const results = useResource(() => api.experiments.results(experiment.key, fresh + version > 0), [experiment.key, fresh, version]);
  const series = useResource(() => api.experiments.timeseries(experiment.key, interval), [experiment.key, fresh, version, interval]);

  useEffect(() => {
    if (experiment.status !== 'running') return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') {
        void results.reload();
        void series.reload();
      }
    }, AUTO_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [experiment.status, experiment.key]);

  const r = results.data;
  return (
    <section class="card results" aria-labelledby="results-title">
      <div class="section-head">
        <h2 id="results-title">Results</h2>
        <div class="actions">
          {r && <span class="muted">computed {dateTime(r.computedAt)}</span>}
          <button type="button" onClick={() => setFresh((n) => n + 1)} disabled={results.loading}>
            {results.loading ? 'Refreshing…' : 'Refresh results'}
          </button>
        </div>
      </div>
      {results.error && <LoadError error={results.error} what="Results" />}
      {!r && !results.error && <Loading what="results" />}
      {r && (
        <>
          <div class={`decision decision-${r.decision}`} data-testid="decision">
            <Banner kind={DECISION_KIND[r.decision]} title={DECISION_TITLE[r.decision](r)}>
              <p class="recommendation">{r.recommendation}</p>
            </Banner>
          </div>
          {r.srm.mismatch && (
            <Banner kind="error" title="Sample ratio mismatch (SRM)">
              Users are not split as the weights say (χ² = {num(r.srm.chiSquare)}, p = {pValue(r.srm.pValue)}): observed{' '}
              {Object.entries(r.srm.observed)
                .map(([name, n]) => `${name} ${int(n)}`)
                .join(', ')}{' '}
              vs expected{' '}
              {Object.entries(r.srm.expected)
                .map(([name, n]) => `${name} ${int(n)}`)
                .join(', ')}
              . Check the assignment path before trusting any result.
            </Banner>
          )}
          <ProgressBar
            label="Sample size (smallest variant)"
            value={r.sampleSize.smallestVariant}
            max={r.sampleSize.minimumPerVariant}
            detail={`${int(r.sampleSize.smallestVariant)} of ${int(r.sampleSize.minimumPerVariant)} users per variant${r.sampleSize.reached ? ' ✓' : ''}`}
          />
          <p class="muted">
            {r.analysis} analysis at {pct(r.confidenceLevel, 1)} confidence, correction {r.correction} · users:{' '}
            {r.variants.map((v) => `${v.name} ${int(v.users)}`).join(', ')}
          </p>
          {ordered(r.metrics).map((m) => (
            <MetricSection key={m.name} metric={m} results={r} />
          ))}
        </>
      )}
      <h3>Over time: {r?.metrics.find((m) => m.role === 'primary')?.name ?? 'primary metric'}</h3>
      {series.error && <LoadError error={series.error} what="Time series" />}
      {series.data && (
        <TimeseriesChart
          series={series.data}
          isRate={
            (r?.metrics.find((m) => m.name === series.data?.metric)?.type ?? experiment.metrics.find((m) => m.role === 'primary')?.type) ===
            'conversion'
          }
          title={`Cumulative ${series.data.metric} by ${series.data.interval}`}
        />
      )}
    </section>
  );
}

function MetricSection({ metric: m, results: r }: { metric: MetricResult; results: Results }) {
  const isRate = m.type === 'conversion';
  const fmt = (x: number): string => (isRate ? pct(x, 2) : num(x));
  const control = r.variants.find((v) => v.isControl)?.name;
  const byVariant = new Map(m.comparisons.map((c) => [c.variant, c]));
  const controlRow = m.variants.find((v) => v.name === control);
  const estimate = (v: (typeof m.variants)[number]): number | null => (isRate ? v.rate : v.mean);
  const toneOf = (c: Comparison | undefined): IntervalRow['tone'] => (c ? direction(c, m.goal) : 'neutral');

  const variantRows: IntervalRow[] = m.variants.map((v) => ({
    label: v.name,
    estimate: estimate(v),
    ci: v.ci,
    tone: v.name === control ? 'control' : toneOf(byVariant.get(v.name)),
    text: estimate(v) === null ? '—' : `${fmt(estimate(v) as number)}${v.ci ? ` [${fmt(v.ci[0])}, ${fmt(v.ci[1])}]` : ''}`,
  }));
  const liftRows: IntervalRow[] = m.comparisons.map((c) => ({
    label: c.variant,
    estimate: c.relativeLift,
    ci: c.relativeCi,
    tone: direction(c, m.goal),
    text:
      c.relativeLift === null
        ? 'undefined (control is 0)'
        : `${signedPct(c.relativeLift)} [${signedPct(c.relativeCi?.[0])}, ${signedPct(c.relativeCi?.[1])}]`,
  }));
  const bayesian = r.analysis === 'bayesian';
  const showChance = m.comparisons.some((c) => c.chanceToWin !== null);

  return (
    <section class="metric" aria-label={`Metric ${m.name}`} data-metric={m.name}>
      <h3>
        {m.name} <span class="tag">{m.role}</span>{' '}
        <span class="muted small">
          {m.type}, goal: {m.goal}
        </span>
      </h3>
      <div class="plots">
        <IntervalPlot
          title={`${isRate ? 'Conversion rate' : 'Mean per user'} by variant with ${pct(r.confidenceLevel, 0)} intervals`}
          rows={variantRows}
          format={fmt}
          reference={
            controlRow && estimate(controlRow) !== null
              ? { value: estimate(controlRow) as number, label: `control (${control}) estimate` }
              : null
          }
        />
        {liftRows.length > 0 && (
          <IntervalPlot
            title={`Relative lift vs ${control} with interval`}
            rows={liftRows}
            format={(x) => signedPct(x, 0)}
            reference={{ value: 0, label: 'no change' }}
          />
        )}
      </div>
      <div class="table-wrap">
        <table class="numbers wide">
          <caption class="visually-hidden">{m.name} per variant</caption>
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col">Users</th>
              <th scope="col">{isRate ? 'Converted' : 'With event'}</th>
              <th scope="col">{isRate ? 'Rate' : 'Mean'}</th>
              <th scope="col">Interval</th>
              <th scope="col">Lift vs control</th>
              <th scope="col">Lift interval</th>
              {!bayesian && <th scope="col">p-value (adjusted)</th>}
              {showChance && <th scope="col">Chance to win</th>}
              <th scope="col">Significant</th>
            </tr>
          </thead>
          <tbody>
            {m.variants.map((v) => {
              const c = byVariant.get(v.name);
              return (
                <tr key={v.name} data-variant={v.name}>
                  <th scope="row">
                    {v.name}
                    {v.name === control && <span class="tag">control</span>}
                  </th>
                  <td>{int(v.users)}</td>
                  <td>{int(v.conversions)}</td>
                  <td>{estimate(v) === null ? '—' : fmt(estimate(v) as number)}</td>
                  <td>{v.ci ? `${fmt(v.ci[0])} – ${fmt(v.ci[1])}` : '—'}</td>
                  <td>{c ? signedPct(c.relativeLift) : ''}</td>
                  <td>{c?.relativeCi ? `${signedPct(c.relativeCi[0])} – ${signedPct(c.relativeCi[1])}` : ''}</td>
                  {!bayesian && <td>{c ? `${pValue(c.pValue)} (${pValue(c.adjustedPValue)})` : ''}</td>}
                  {showChance && <td>{c ? pct(c.chanceToWin) : ''}</td>}
                  <td>
                    {c ? c.significant ? <strong class={`verdict-${direction(c, m.goal)}`}>yes, {direction(c, m.goal)}</strong> : 'no' : ''}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
