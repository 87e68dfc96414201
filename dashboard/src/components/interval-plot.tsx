/**
 * A forest plot: one row per variant (or comparison) with its point estimate and interval as an
 * error bar, on a shared axis, so overlapping intervals are visible at a glance. Plain SVG drawn at
 * the container's pixel width, so the text keeps its size from a phone to a wide screen.
 */
import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
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
  /** Draws a dashed reference line (0 for lifts, the control's estimate for variants). */
  reference?: { value: number; label: string } | null;
  title: string;
}

const ROW_H = 34;
const PAD_Y = 12;
const AXIS_H = 26;

function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function useWidth(fallback: number): [RefObject<HTMLElement | null>, number] {
  const ref = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = (): void => setWidth(Math.max(240, Math.floor(el.clientWidth)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

export function IntervalPlot({ rows, format, reference, title }: Props) {
  const [ref, width] = useWidth(720);
  const values: number[] = [];
  for (const row of rows) {
    if (row.estimate !== null) values.push(row.estimate);
    if (row.ci) values.push(row.ci[0], row.ci[1]);
  }
  if (reference) values.push(reference.value);

  // Narrow screens drop the value column: the table below has every number.
  const longest = Math.max(0, ...rows.map((r) => r.label.length));
  const labelW = Math.min(Math.round(width * 0.4), Math.max(60, Math.round(longest * 8.5) + 18));
  const valueW = width >= 560 ? 230 : 0;
  const plotX0 = labelW;
  const plotX1 = width - valueW - 12;
  let lo = values.length ? Math.min(...values) : 0;
  let hi = values.length ? Math.max(...values) : 1;
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.08;
  lo -= pad;
  hi += pad;
  const x = (v: number): number => plotX0 + ((v - lo) / (hi - lo)) * (plotX1 - plotX0);
  const axisY = PAD_Y + rows.length * ROW_H + 4;
  const height = axisY + AXIS_H;
  const ticks = niceTicks(lo, hi, Math.max(2, Math.floor((plotX1 - plotX0) / 90)));

  return (
    <figure class="interval-plot" ref={ref}>
      <figcaption>{title}</figcaption>
      {values.length === 0 ? (
        <p class="muted">No data yet.</p>
      ) : (
        <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
          {ticks.map((t) => (
            <g key={t}>
              <line x1={x(t)} x2={x(t)} y1={PAD_Y - 4} y2={axisY} class="grid" />
              <text x={x(t)} y={axisY + 17} class="tick" text-anchor="middle">
                {format(t)}
              </text>
            </g>
          ))}
          {reference && <line x1={x(reference.value)} x2={x(reference.value)} y1={PAD_Y - 6} y2={axisY} class="reference" />}
          {rows.map((row, i) => {
            const cy = PAD_Y + i * ROW_H + ROW_H / 2;
            return (
              <g key={row.label} class={`row tone-${row.tone ?? 'neutral'}`}>
                <text x={labelW - 10} y={cy + 5} text-anchor="end" class="row-label">
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
                {valueW > 0 && (
                  <text x={plotX1 + 14} y={cy + 5} class="row-value">
                    {row.text ?? (row.estimate === null ? '—' : format(row.estimate))}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
      )}
      {reference && <p class="muted small">Dashed line: {reference.label}</p>}
    </figure>
  );
}
