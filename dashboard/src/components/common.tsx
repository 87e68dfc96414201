import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api';

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{status.replace('_', ' ')}</span>;
}

export function ProgressBar({ value, max, label, detail }: { value: number; max: number; label: string; detail?: string }) {
  const ratio = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  return (
    <div class="progress">
      <div class="progress-label">
        <span>{label}</span>
        <span>{detail ?? `${Math.round(ratio * 100)} %`}</span>
      </div>
      <div
        class="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={Math.min(value, max)}
      >
        <div class={`progress-fill ${ratio >= 1 ? 'done' : ''}`} style={{ width: `${ratio * 100}%` }} />
      </div>
    </div>
  );
}

export function Banner({
  kind,
  title,
  children,
}: {
  kind: 'error' | 'warning' | 'info' | 'success';
  title?: string;
  children?: ComponentChildren;
}) {
  return (
    <div class={`banner banner-${kind}`} role={kind === 'error' || kind === 'warning' ? 'alert' : 'status'}>
      {title && <strong>{title}</strong>}
      {children && <div>{children}</div>}
    </div>
  );
}

/** Load failures: a 404 says so plainly; anything else shows the API's message. */
export function LoadError({ error, what }: { error: ApiError; what: string }) {
  if (error.status === 404)
    return (
      <Banner kind="warning" title={`${what} not found`}>
        {error.message}
      </Banner>
    );
  return (
    <Banner kind="error" title={`Could not load ${what.toLowerCase()}`}>
      {error.message}
    </Banner>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/**
 * The toolbar of a list page: a status filter (with "all" first, or last where the page defaults to
 * a status) and the total count once loaded.
 */
export function StatusFilter(props: {
  id: string;
  statuses: readonly string[];
  value: string;
  onChange: (status: string) => void;
  total: number | undefined;
  allLast?: boolean;
}) {
  const all = <option value="">{props.allLast ? 'all' : 'All'}</option>;
  return (
    <div class="toolbar">
      <label for={props.id}>Status</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        {!props.allLast && all}
        {props.statuses.map((s) => (
          <option key={s} value={s}>
            {s.replace('_', ' ')}
          </option>
        ))}
        {props.allLast && all}
      </select>
      {props.total !== undefined && <span class="muted">{props.total} in total</span>}
    </div>
  );
}
