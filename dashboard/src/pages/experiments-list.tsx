import { api } from '../api';
import { Empty, LoadError, Loading, StatusBadge, StatusFilter } from '../components/common';
import { Pager } from '../components/pager';
import { dateTime } from '../format';
import { useListQuery } from '../list-query';
import { useLive } from '../live';
import { Link } from '../router';
import type { ExperimentStatus } from '../types';
import { useResource } from '../use-resource';

const STATUSES: ExperimentStatus[] = ['draft', 'running', 'paused', 'completed'];
const PAGE_SIZE = 25;

export function ExperimentsList({ query }: { query: URLSearchParams }) {
  const { status, offset, go } = useListQuery<ExperimentStatus>('/experiments', query);
  const page = useResource(() => api.experiments.list({ status, limit: PAGE_SIZE, offset }), [status, offset]);
  useLive(
    (e) => e.type === 'experiment.changed',
    () => void page.reload(),
  );

  return (
    <main>
      <div class="page-head">
        <h1>Experiments</h1>
        <Link href="/experiments/new" class="button primary">
          New experiment
        </Link>
      </div>
      <StatusFilter id="status-filter" statuses={STATUSES} value={status} onChange={(s) => go({ status: s })} total={page.data?.total} />
      {page.error && <LoadError error={page.error} what="Experiments" />}
      {!page.data && !page.error && <Loading what="experiments" />}
      {page.data && page.data.items.length === 0 && (
        <Empty>
          {status ? `No ${status} experiments.` : 'No experiments yet.'} <Link href="/experiments/new">Create one</Link>.
        </Empty>
      )}
      {page.data && page.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Experiments, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Status</th>
                <th scope="col">Variants</th>
                <th scope="col">Primary metric</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Link href={`/experiments/${encodeURIComponent(e.key)}`}>{e.name}</Link>
                  </td>
                  <td>
                    <code>{e.key}</code>
                  </td>
                  <td>
                    <StatusBadge status={e.status} />
                    {e.winner && <span class="muted"> winner: {e.winner}</span>}
                  </td>
                  <td>{e.variants.map((v) => v.name).join(', ')}</td>
                  <td>{e.metrics.find((m) => m.role === 'primary')?.name ?? '—'}</td>
                  <td>{dateTime(e.createdAt)}</td>
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
