/**
 * The cumulative primary metric per variant over time with its interval as a shaded band (uPlot,
 * loaded on demand so the list pages stay small).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlotType from 'uplot';
import type { Timeseries } from '../types';

export const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#4b5563'];

function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

interface Props {
  series: Timeseries;
  isRate: boolean;
  title: string;
}

export function TimeseriesChart({ series, isRate, title }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    const el = container.current;
    if (!el || series.points.length === 0) return;
    let chart: uPlotType | null = null;
    let observer: ResizeObserver | null = null;
    let cancelled = false;

    void Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')])
      .then(([{ default: uPlot }]) => {
        if (cancelled) return;
        const names = series.points[0].variants.map((v) => v.name);
        const pad = series.interval === 'hour' ? 3600 : 86400;
        const xs = series.points.map((p) => Date.parse(p.at) / 1000);
        const data: (number | null)[][] = [xs];
        const seriesOpts: uPlotType.Series[] = [{ label: 'Time' }];
        const bands: uPlotType.Band[] = [];
        const fmt = (v: number | null): string => (v === null ? '—' : isRate ? `${(v * 100).toFixed(2)} %` : v.toPrecision(3));
        names.forEach((name, i) => {
          const color = PALETTE[i % PALETTE.length];
          const pick = (p: Timeseries['points'][number]) => p.variants.find((v) => v.name === name);
          data.push(series.points.map((p) => (isRate ? pick(p)?.rate : pick(p)?.mean) ?? null));
          data.push(series.points.map((p) => pick(p)?.ci?.[1] ?? null));
          data.push(series.points.map((p) => pick(p)?.ci?.[0] ?? null));
          const base = 1 + i * 3;
          seriesOpts.push(
            { label: name, stroke: color, width: 2, value: (_u, v) => fmt(v), points: { show: xs.length < 40 } },
            {
              label: `${name} upper`,
              stroke: withAlpha(color, 0.35),
              width: 1,
              dash: [4, 4],
              value: (_u, v) => fmt(v),
              points: { show: false },
            },
            {
              label: `${name} lower`,
              stroke: withAlpha(color, 0.35),
              width: 1,
              dash: [4, 4],
              value: (_u, v) => fmt(v),
              points: { show: false },
            },
          );
          bands.push({ series: [base + 1, base + 2], fill: withAlpha(color, 0.12) });
        });
        const opts: uPlotType.Options = {
          title,
          width: Math.max(280, el.clientWidth),
          height: 280,
          series: seriesOpts,
          bands,
          scales: {
            // uPlot widens a single point (a new experiment) to 1000 days of seconds: one interval either side instead.
            x: { time: true, range: (_u, min, max) => (xs.length === 1 ? [xs[0] - pad, xs[0] + pad] : [min, max]) },
          },
          axes: [
            {},
            {
              values: (_u, ticks) => ticks.map((t) => (isRate ? `${(t * 100).toFixed(1)} %` : String(Number(t.toPrecision(3))))),
              size: 64,
            },
          ],
          legend: { show: false },
        };
        chart = new uPlot(opts, data as uPlotType.AlignedData, el);
        observer = new ResizeObserver(() => chart?.setSize({ width: Math.max(280, el.clientWidth), height: 280 }));
        observer.observe(el);
      })
      .catch((error: Error) => setFailed(error.message));

    return () => {
      cancelled = true;
      observer?.disconnect();
      chart?.destroy();
    };
  }, [series, isRate, title]);

  if (series.points.length === 0) return <p class="muted">No data points yet: the chart appears once users are assigned.</p>;
  if (failed) return <p class="muted">The chart could not be drawn ({failed}).</p>;
  const names = series.points[0].variants.map((v) => v.name);
  return (
    <figure class="chart-figure">
      <div class="chart" ref={container} role="img" aria-label={`${title}: cumulative value per variant with its interval band`} />
      <figcaption class="chart-legend">
        {names.map((name, i) => (
          <span key={name}>
            <span class="swatch" style={{ background: PALETTE[i % PALETTE.length] }} aria-hidden="true" /> {name}
          </span>
        ))}
        <span class="muted">shaded band: interval at each point</span>
      </figcaption>
    </figure>
  );
}
