/**
 * What the scheduled analysis does with a fresh result, as pure functions: which alert conditions
 * hold, which alerts to raise or resolve given what held last time, and the "headline" whose change
 * is worth telling the dashboards about.
 */
import type { AnalysisResult } from '../stats';

export interface AlertConditions {
  srm: boolean;
  /** Some treatment significantly worse on some guardrail (sample size reached). */
  guardrail: boolean;
}

export interface GuardrailFailure {
  metric: string;
  variant: string;
  absoluteDiff: number | null;
  pValue: number | null;
  chanceToWin: number | null;
}

/**
 * Guardrails judged as the decision judges them: significant, against the goal (bayesian: credibly
 * worse). Only once the sample size is reached, as for every verdict.
 */
export function guardrailFailures(result: AnalysisResult): GuardrailFailure[] {
  if (!result.sampleSize.reached) return [];
  const failures: GuardrailFailure[] = [];
  for (const metric of result.metrics) {
    if (metric.role !== 'guardrail') continue;
    for (const c of metric.comparisons) {
      if (!c.significant || c.absoluteDiff === null) continue;
      const worse =
        result.analysis === 'bayesian'
          ? c.chanceToWin !== null && c.chanceToWin < 0.5
          : c.absoluteDiff > 0 !== (metric.goal === 'increase') && c.absoluteDiff !== 0;
      if (worse) {
        failures.push({
          metric: metric.name,
          variant: c.variant,
          absoluteDiff: c.absoluteDiff,
          pValue: c.pValue,
          chanceToWin: c.chanceToWin,
        });
      }
    }
  }
  return failures;
}

export function alertConditions(result: AnalysisResult): AlertConditions {
  return { srm: result.srm.mismatch, guardrail: guardrailFailures(result).length > 0 };
}

export type AlertTransition = 'raise' | 'resolve' | 'none';

/**
 * Once per condition: raise when it starts, resolve when it clears, nothing while it persists (a
 * person who resolved the alert by hand is not paged again until the condition clears and returns).
 */
export function alertTransition(heldBefore: boolean, holdsNow: boolean): AlertTransition {
  if (holdsNow === heldBefore) return 'none';
  return holdsNow ? 'raise' : 'resolve';
}

/**
 * What a reader of the experiment would notice: the decision, the winner, significance, SRM, the
 * sample size being reached, the guardrail condition. Counts and p-values move with every event;
 * publishing on each of those would also drop every replica's caches of the experiment each tick.
 */
export function headlineOf(result: AnalysisResult): string {
  return JSON.stringify([
    result.decision,
    result.winner,
    result.isSignificant,
    result.srm.mismatch,
    result.sampleSize.reached,
    alertConditions(result).guardrail,
  ]);
}

function formatP(p: number | null): string {
  if (p === null) return 'undefined';
  return p < 1e-4 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}

export function srmAlertMessage(key: string, result: AnalysisResult): string {
  const observed = Object.entries(result.srm.observed)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  const expected = Object.entries(result.srm.expected)
    .map(([name, n]) => `${name} ${Math.round(n)}`)
    .join(', ');
  return `${key}: sample ratio mismatch (chi-square p = ${formatP(result.srm.pValue)}): users ${observed}, expected ${expected}. Assignment is broken; do not trust these results.`;
}

export function guardrailAlertMessage(key: string, result: AnalysisResult): string {
  const parts = guardrailFailures(result).map((f) => {
    const evidence = result.analysis === 'bayesian' ? `chance to beat control ${formatP(f.chanceToWin)}` : `p = ${formatP(f.pValue)}`;
    return `${f.variant} is significantly worse on guardrail ${f.metric} (difference ${Number((f.absoluteDiff ?? 0).toPrecision(3))}, ${evidence})`;
  });
  return `${key}: ${parts.join('; ')}.`;
}
