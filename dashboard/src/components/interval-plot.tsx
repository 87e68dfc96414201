/**
 * A forest plot: one row per variant (or comparison) with its point estimate and interval as an
 * error bar, on a shared axis, so overlapping intervals are visible at a glance. Plain SVG: it
 * scales with its container and needs no chart library.
 */
import type { Interval } from '../types';

export interface IntervalRow {
  label: string;
  estimate: number | null;
  ci: Interval | null;
  tone?: 'control' | 'better' | 'worse' | 'neutral';
  text?: string;
}

interface Props {
  rows: IntervalRow[];
  format: (x: number) => string;
  /** Draws a dashed reference line (0 for lifts, the control's rate for variants). */
  reference?: { value: number; label: string } | null;
  title: string;
}

const ROW_H = 34;
const LABEL_W = 120;
const VALUE_W = 170;
const WIDTH = 720;
const PAD = 14;

function niceTicks(lo: number, hi: number, count = 4): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

export function IntervalPlot({ rows, format, reference, title }: Props) {
  const values: number[] = [];
  for (const row of rows) {
    if (row.estimate !== null) values.push(row.estimate);
    if (row.ci) values.push(row.ci[0], row.ci[1]);
  }
  if (reference) values.push(reference.value);
  if (values.length === 0) return <p class="muted">No data yet for {title.toLowerCase()}.</p>;
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.08;
  lo -= pad;
  hi += pad;
  const plotX0 = LABEL_W;
  const plotX1 = WIDTH - VALUE_W;
  const x = (v: number): number => plotX0 + ((v - lo) / (hi - lo)) * (plotX1 - plotX0);
  const height = PAD * 2 + rows.length * ROW_H + 22;
  const axisY = PAD + rows.length * ROW_H + 4;
  const ticks = niceTicks(lo, hi);

  return (
    <figure class="interval-plot">
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={title} preserveAspectRatio="xMinYMin meet">
        <title>{title}</title>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={x(t)} x2={x(t)} y1={PAD - 4} y2={axisY} class="grid" />
            <text x={x(t)} y={axisY + 16} class="tick" text-anchor="middle">
              {format(t)}
            </text>
          </g>
        ))}
        {reference && (
          <g>
            <line x1={x(reference.value)} x2={x(reference.value)} y1={PAD - 6} y2={axisY} class="reference" />
          </g>
        )}
        {rows.map((row, i) => {
          const cy = PAD + i * ROW_H + ROW_H / 2;
          const tone = row.tone ?? 'neutral';
          return (
            <g key={row.label} class={`row tone-${tone}`}>
              <text x={LABEL_W - 10} y={cy + 5} text-anchor="end" class="row-label">
                {row.label}
              </text>
              {row.ci && (
                <g>
                  <line x1={x(row.ci[0])} x2={x(row.ci[1])} y1={cy} y2={cy} class="whisker" />
                  <line x1={x(row.ci[0])} x2={x(row.ci[0])} y1={cy - 7} y2={cy + 7} class="whisker" />
                  <line x1={x(row.ci[1])} x2={x(row.ci[1])} y1={cy - 7} y2={cy + 7} class="whisker" />
                </g>
              )}
              {row.estimate !== null && <circle cx={x(row.estimate)} cy={cy} r={5.5} class="point" />}
              <text x={plotX1 + 12} y={cy + 5} class="row-value">
                {row.text ?? (row.estimate === null ? '—' : format(row.estimate))}
              </text>
            </g>
          );
        })}
      </svg>
      {reference && <figcaption class="muted">Dashed line: {reference.label}</figcaption>}
    </figure>
  );
}
