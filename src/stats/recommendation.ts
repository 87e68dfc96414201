/**
 * The plain-language `recommendation`: one or two sentences that state the primary lift with its
 * interval and why a winner was or was not declared.
 */
import type { AnalysisResult, ComparisonResult, MetricWork } from './analyze-experiment';
import { MIN_EXPECTED_COUNT } from './compare';
import type { AnalysisMode, Correction, Goal, MetricType } from './types';

/** "95", "97.5", "99.9". */
export function formatLevel(confidenceLevel: number): string {
  return String(Number((confidenceLevel * 100).toFixed(3)));
}

/** p-values with their relation sign: two significant digits, exponent form below 1e-4 ("= 2e-5"). */
export function formatP(p: number): string {
  if (p < 1e-15) return '< 1e-15';
  if (p < 1e-4) return `= ${p.toExponential(0)}`;
  return `= ${Number(p.toPrecision(2))}`;
}

/** Prefixes the sign of `x` to the already unsigned `text`. */
function signed(x: number, text: string): string {
  return x > 0 ? `+${text}` : x < 0 ? `-${text}` : text;
}

/** +7.2 % */
export function formatPercent(x: number): string {
  return `${signed(x, Math.abs(x * 100).toFixed(1))} %`;
}

/** Absolute difference: percentage points for conversions, 3 significant digits for means. */
function formatAbsolute(x: number, type: MetricType): string {
  if (type === 'conversion') return signed(x, Math.abs(x * 100).toFixed(2));
  return signed(x, String(Number(Math.abs(x).toPrecision(3))));
}

function correctionName(correction: Correction): string {
  return correction === 'holm' ? 'Holm' : correction === 'bh' ? 'Benjamini-Hochberg' : '';
}

/**
 * How the interval next to a verdict is labelled: its own level, and whether that level is the
 * family-adjusted one ("97.5 % CI, Holm-adjusted level") — the interval always agrees with the verdict.
 */
function decisionLabel(level: number, analysis: AnalysisMode, confidenceLevel: number, correction: Correction | null): string {
  const text = `${formatLevel(level)} %`;
  if (analysis === 'bayesian') return `${text} credible interval`;
  const kind = analysis === 'sequential' ? 'confidence sequence' : 'CI';
  const adjusted = correction !== null && correction !== 'none' && Math.abs(level - confidenceLevel) > 1e-12;
  return adjusted ? `${text} ${kind}, ${correctionName(correction)}-adjusted level` : `${text} ${kind}`;
}

/**
 * "+2.00 percentage points (+20.0 % relative lift; 98.75 % CI, Holm-adjusted level: +0.05 to +3.95)".
 * The interval quoted is the comparison's decisionCi: the interval of the tested quantity (the
 * absolute difference) at the level the decision used, so it excludes 0 exactly when the comparison
 * is significant. Relative change is given as a point estimate only, and only when the control
 * mean is > 0 (with a control ≤ 0 its sign would mislead).
 */
export function describeEffect(
  c: Pick<ComparisonResult, 'absoluteDiff' | 'relativeLift' | 'decisionCi' | 'decisionCiLevel'>,
  type: MetricType,
  goal: Goal,
  analysis: AnalysisMode,
  confidenceLevel: number,
  correction: Correction | null = null,
): string {
  if (c.absoluteDiff === null) return 'no estimate';
  const unit = type === 'conversion' ? ' percentage points' : '';
  const fmt = (x: number): string => formatAbsolute(x, type);
  const parts: string[] = [];
  if (c.relativeLift !== null) {
    const noun = c.relativeLift > 0 && goal === 'increase' ? 'relative lift' : 'relative change';
    parts.push(`${formatPercent(c.relativeLift)} ${noun}`);
  } else {
    parts.push(type === 'conversion' ? 'no relative lift as control is 0' : 'no relative change as the control mean is not above 0');
  }
  if (c.decisionCi !== null && c.decisionCiLevel !== null) {
    parts.push(
      `${decisionLabel(c.decisionCiLevel, analysis, confidenceLevel, correction)}: ${fmt(c.decisionCi[0])} to ${fmt(c.decisionCi[1])}`,
    );
  }
  return `${fmt(c.absoluteDiff)}${unit} (${parts.join('; ')})`;
}

/** Probability as a percentage that never rounds to a false certainty ("> 99.9 %"). */
export function formatChance(x: number): string {
  if (x > 0.999) return '> 99.9 %';
  if (x < 0.001) return '< 0.1 %';
  return `${(x * 100).toFixed(1)} %`;
}

/** "p = 0.004 after Holm correction", "always-valid p = 0.01", "chance to beat control 98.7 %". */
export function describeEvidence(
  c: Pick<ComparisonResult, 'pValue' | 'adjustedPValue' | 'chanceToWin' | 'control'>,
  analysis: AnalysisMode,
  correction: Correction | null,
): string {
  if (analysis === 'bayesian') {
    return c.chanceToWin === null ? 'chance to beat control undefined' : `chance to beat ${c.control} ${formatChance(c.chanceToWin)}`;
  }
  const p = correction === null ? c.pValue : c.adjustedPValue;
  if (p === null) return 'p undefined';
  const prefix = analysis === 'sequential' ? 'always-valid p' : 'p';
  const label = correction === null || correction === 'none' ? '' : ` after ${correctionName(correction)} correction`;
  return `${prefix} ${formatP(p)}${label}`;
}

export interface RecommendationContext {
  result: AnalysisResult;
  primary: MetricWork | undefined;
  guardrails: MetricWork[];
  controlName: string;
  candidates: number[];
  blockedBy: Map<number, MetricWork[]>;
}

export function buildRecommendation(ctx: RecommendationContext): string {
  const { result, primary, controlName } = ctx;
  const { analysis, confidenceLevel, correction } = result;
  const level = formatLevel(confidenceLevel);

  if (result.decision === 'insufficient_data') {
    const { smallestVariant, minimumPerVariant, reached } = result.sampleSize;
    if (!reached) return `Not enough users yet: ${smallestVariant} of ${minimumPerVariant} per variant.`;
    const sparse = primary?.result.comparisons.find((c) => c.minExpectedCount !== null && c.minExpectedCount < MIN_EXPECTED_COUNT);
    const count = sparse?.minExpectedCount ?? 0;
    return (
      `Too few events to test ${primary?.result.name ?? 'the primary metric'} yet: ` +
      `${sparse ? `${sparse.variant} vs ${controlName} has` : 'a comparison has'} an expected count of ${Number(count.toPrecision(3))} ` +
      `(below ${MIN_EXPECTED_COUNT}) in its 2×2 table, where the normal approximation is not reliable.`
    );
  }
  if (result.decision === 'srm') {
    return `Sample ratio mismatch (p ${formatP(result.srm.pValue ?? 0)}): assignment is broken, do not trust these results.`;
  }
  if (!primary) return 'No primary metric: no winner can be declared.';

  const metric = primary.result;
  const effect = (c: ComparisonResult, m: { type: MetricType; goal: Goal } = metric): string =>
    describeEffect(c, m.type, m.goal, analysis, confidenceLevel, correction);
  const evidence = (c: ComparisonResult, adjusted = true): string => describeEvidence(c, analysis, adjusted ? correction : null);

  if (result.decision === 'winner' && result.winner === controlName) {
    // Every treatment is significantly worse: describe the least bad one.
    const sign = metric.goal === 'increase' ? 1 : -1;
    const best = [...metric.comparisons].sort((a, b) => sign * ((b.absoluteDiff ?? 0) - (a.absoluteDiff ?? 0)))[0];
    const who = metric.comparisons.length === 1 ? best.variant : `every treatment (best: ${best.variant})`;
    return `${controlName} wins on ${metric.name}: ${who} is significantly worse, ${effect(best)}, ${evidence(best)}. Keep ${controlName}.`;
  }
  if (result.decision === 'winner' && result.winner !== null) {
    const c = metric.comparisons.find((x) => x.variant === result.winner);
    if (c) return `${c.variant} beats ${controlName} on ${metric.name}: ${effect(c)}, ${evidence(c)}.`;
  }
  if (result.decision === 'guardrail_failure') {
    const index = ctx.candidates[0];
    const c = metric.comparisons[index];
    const failing = ctx.blockedBy.get(index) ?? [];
    const g = failing[0];
    const gc = g?.result.comparisons[index];
    const guardText =
      g && gc
        ? `guardrail ${g.result.name} is significantly worse: ${effect(gc, g.result)}, ${evidence(gc, false)}`
        : 'a guardrail is significantly worse';
    return `${c.variant} beats ${controlName} on ${metric.name}: ${effect(c)}, ${evidence(c)}. No winner, because ${guardText}.`;
  }

  // no_winner: describe the treatment with the best estimate, and why it is not a winner.
  const defined = metric.comparisons.filter((c) => c.absoluteDiff !== null);
  if (defined.length === 0) {
    return `No winner on ${metric.name}: the difference cannot be estimated yet (a variant has no usable data).`;
  }
  const sign = metric.goal === 'increase' ? 1 : -1;
  const best = [...defined].sort((a, b) => sign * ((b.absoluteDiff ?? 0) - (a.absoluteDiff ?? 0)))[0];
  const undetermined =
    (analysis === 'bayesian' ? best.chanceToWin : best.pValue) === null
      ? ' The test is undefined (no variation in the data), so no winner is declared.'
      : null;
  const why =
    undetermined ??
    (analysis === 'bayesian'
      ? ` That is below the ${level} % threshold, so no winner is declared.`
      : best.significant
        ? ` The difference is significant but not an improvement, so no winner is declared.`
        : ` Not significant at ${level} %, so no winner is declared.`);
  return `No winner on ${metric.name}: ${best.variant} vs ${controlName} ${effect(best)}, ${evidence(best)}.${why}`;
}
