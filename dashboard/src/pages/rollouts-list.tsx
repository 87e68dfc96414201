import { api } from '../api';
import { Empty, LoadError, Loading, StatusBadge, StatusFilter } from '../components/common';
import { Pager } from '../components/pager';
import { dateTime, percentage } from '../format';
import { useListQuery } from '../list-query';
import { useLive } from '../live';
import { Link } from '../router';
import type { RolloutStatus } from '../types';
import { useResource } from '../use-resource';

const STATUSES: RolloutStatus[] = ['draft', 'scheduled', 'running', 'paused', 'completed', 'rolled_back'];
const PAGE_SIZE = 25;

export function RolloutsList({ query }: { query: URLSearchParams }) {
  const { status, offset, go } = useListQuery<RolloutStatus>('/rollouts', query);
  const page = useResource(() => api.rollouts.list({ status, limit: PAGE_SIZE, offset }), [status, offset]);
  useLive(
    (e) => e.type === 'rollout.changed',
    () => void page.reload(),
  );

  return (
    <main>
      <div class="page-head">
        <h1>Rollouts</h1>
        <Link href="/rollouts/new" class="button primary">
          New rollout
        </Link>
      </div>
      <StatusFilter
        id="rollout-status-filter"
        statuses={STATUSES}
        value={status}
        onChange={(s) => go({ status: s })}
        total={page.data?.total}
      />
      {page.error && <LoadError error={page.error} what="Rollouts" />}
      {!page.data && !page.error && <Loading what="rollouts" />}
      {page.data && page.data.items.length === 0 && (
        <Empty>
          No rollouts{status ? ` with status ${status.replace('_', ' ')}` : ''} yet. <Link href="/rollouts/new">Create one</Link>.
        </Empty>
      )}
      {page.data && page.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Rollouts, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Model</th>
                <th scope="col">Status</th>
                <th scope="col">Traffic on new model</th>
                <th scope="col">Stage</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link href={`/rollouts/${r.id}`}>{r.name}</Link>
                  </td>
                  <td>
                    {r.baselineVersion && <span class="muted">{r.baselineVersion} → </span>}
                    <code>{r.modelVersion}</code>
                  </td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>
                    <span class="mini-bar" aria-hidden="true">
                      <span style={{ width: `${r.percentage}%` }} />
                    </span>{' '}
                    {percentage(r.percentage)}
                  </td>
                  <td>
                    {r.currentStage + 1} of {r.schedule.stages.length}
                  </td>
                  <td>{dateTime(r.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.data && <Pager total={page.data.total} offset={offset} limit={PAGE_SIZE} onOffset={(o) => go({ offset: o })} />}
    </main>
  );
}
