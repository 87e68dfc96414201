import { api } from '../api';
import { Empty, LoadError, Loading, StatusBadge, StatusFilter } from '../components/common';
import { Pager } from '../components/pager';
import { dateTime } from '../format';
import { useListQuery } from '../list-query';
import { useLive } from '../live';
import { Link } from '../router';
import type { Alert, AlertStatus } from '../types';
import { useAction } from '../use-action';
import { useResource } from '../use-resource';

const PAGE_SIZE = 50;
const ALERT_STATUSES: AlertStatus[] = ['open', 'acknowledged', 'resolved'];

function subjectHref(alert: Alert): string {
  return alert.subjectType === 'rollout' ? `/rollouts/${alert.subjectId}` : `/experiments/${alert.subjectId}`;
}

export function AlertsPage({ query, onChanged }: { query: URLSearchParams; onChanged: () => void }) {
  const { status, offset, go } = useListQuery<AlertStatus>('/alerts', query, 'open');
  const page = useResource(() => api.alerts.list({ status, limit: PAGE_SIZE, offset }), [status, offset]);
  const { busy, error, run } = useAction();
  useLive(
    (e) => e.type === 'alert.raised',
    () => void page.reload(),
  );

  const act = (alert: Alert, action: 'acknowledge' | 'resolve'): Promise<boolean> =>
    run(alert.id + action, async () => {
      await api.alerts[action](alert.id);
      await page.reload();
      onChanged();
    });

  return (
    <main>
      <div class="page-head">
        <h1>Alerts</h1>
      </div>
      <StatusFilter
        id="alert-status-filter"
        statuses={ALERT_STATUSES}
        value={status}
        onChange={(s) => go({ status: s })}
        total={page.data?.total}
        allLast
      />
      {error && (
        <p class="field-error" role="alert">
          {error.message}
        </p>
      )}
      {page.error && <LoadError error={page.error} what="Alerts" />}
      {!page.data && !page.error && <Loading what="alerts" />}
      {page.data && page.data.items.length === 0 && <Empty>{status ? `No ${status} alerts.` : 'No alerts.'}</Empty>}
      {page.data && page.data.items.length > 0 && (
        <ul class="alert-list">
          {page.data.items.map((a) => (
            <li key={a.id} class={`alert-item severity-${a.severity}`} data-alert-kind={a.kind}>
              <div class="alert-main">
                <div>
                  <span class={`badge severity-${a.severity}`}>{a.severity}</span> <StatusBadge status={a.status} />{' '}
                  <strong>{a.kind.replace(/_/g, ' ')}</strong> <span class="muted">{dateTime(a.createdAt)}</span>
                </div>
                <p>{a.message}</p>
                <Link href={subjectHref(a)}>Open the {a.subjectType}</Link>
              </div>
              <div class="actions">
                {a.status === 'open' && (
                  <button type="button" disabled={busy !== null} onClick={() => void act(a, 'acknowledge')}>
                    Acknowledge
                  </button>
                )}
                {a.status !== 'resolved' && (
                  <button type="button" disabled={busy !== null} onClick={() => void act(a, 'resolve')}>
                    Resolve
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {page.data && <Pager total={page.data.total} offset={offset} limit={PAGE_SIZE} onOffset={(o) => go({ offset: o })} />}
    </main>
  );
}
