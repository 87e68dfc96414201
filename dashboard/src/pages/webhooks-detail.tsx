import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { Banner, Empty, LoadError, Loading, StatusFilter } from '../components/common';
import { Pager } from '../components/pager';
import { dateTime } from '../format';
import { Link, navigate } from '../router';
import type { DeliveryStatus, WebhookDelivery, WebhookWithSecret } from '../types';
import { useAction } from '../use-action';
import { useResource } from '../use-resource';
import { SecretReveal, eventsText } from './webhooks';

const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'delivered', 'failed'];
const PAGE_SIZE = 25;
// Reuses the badge colours of the other pages: green done, amber waiting, red given up.
const STATUS_CLASS: Record<DeliveryStatus, string> = {
  delivered: 'status-completed',
  pending: 'status-paused',
  failed: 'status-rolled_back',
};

function DeliveryBadge({ status }: { status: DeliveryStatus }) {
  return <span class={`badge ${STATUS_CLASS[status]}`}>{status}</span>;
}

function outcome(d: WebhookDelivery): string {
  if (d.lastStatusCode !== null && d.lastError === null) return `HTTP ${d.lastStatusCode}`;
  return d.lastError ?? (d.attempts === 0 ? 'not sent yet' : '—');
}

export function WebhookDetail({ id }: { id: string }) {
  const webhook = useResource(() => api.webhooks.get(id), [id]);
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const [offset, setOffset] = useState(0);
  const deliveries = useResource(() => api.webhooks.deliveries(id, { status, limit: PAGE_SIZE, offset }), [id, status, offset]);
  const [secret, setSecret] = useState<WebhookWithSecret | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const { busy, error, run } = useAction();

  // Deliveries move on their own (the sender retries in the background): refresh while any is pending.
  const anyPending = deliveries.data?.items.some((d) => d.status === 'pending') ?? false;
  useEffect(() => {
    if (!anyPending) return;
    const timer = window.setInterval(() => void deliveries.reload(), 2000);
    return () => window.clearInterval(timer);
  }, [anyPending]);

  if (webhook.error) return <main>{<LoadError error={webhook.error} what="Webhook" />}</main>;
  if (!webhook.data) return <Loading what="webhook" />;
  const w = webhook.data;

  const sendTest = (): Promise<boolean> =>
    run('test', async () => {
      await api.webhooks.test(w.id);
      setNotice('A webhook.test delivery is queued; it appears below.');
      await deliveries.reload();
    });
  const rotate = (): Promise<boolean> =>
    run('rotate', async () => {
      setSecret(await api.webhooks.rotateSecret(w.id));
      await webhook.reload();
    });
  const toggleActive = (): Promise<boolean> =>
    run('active', async () => {
      await api.webhooks.update(w.id, { active: !w.active });
      await webhook.reload();
    });
  const remove = (): Promise<boolean> =>
    run('delete', async () => {
      await api.webhooks.remove(w.id);
      navigate('/webhooks');
    });
  const redeliver = (d: WebhookDelivery): Promise<boolean> =>
    run(`redeliver-${d.id}`, async () => {
      await api.webhooks.redeliver(w.id, d.id);
      setNotice(`Delivery ${d.id} is queued again (same webhook-id).`);
      await deliveries.reload();
    });

  return (
    <main>
      <p class="crumbs">
        <Link href="/webhooks">Webhooks</Link>
      </p>
      <div class="page-head">
        <h1>{w.description ?? 'Webhook'}</h1>
        <span class={`badge ${w.active ? 'status-running' : 'status-paused'}`}>{w.active ? 'active' : 'paused'}</span>
      </div>
      <dl class="card">
        <dt>URL</dt>
        <dd>
          <code>{w.url}</code>
        </dd>
        <dt>Events</dt>
        <dd>{eventsText(w.events)}</dd>
        <dt>Format</dt>
        <dd>{w.format === 'slack' ? 'Slack incoming webhook' : 'Standard Webhooks JSON'}</dd>
        <dt>Created</dt>
        <dd>{dateTime(w.createdAt)}</dd>
        {w.previousSecretExpiresAt && (
          <>
            <dt>Previous secret</dt>
            <dd>signs alongside the current one until {dateTime(w.previousSecretExpiresAt)}</dd>
          </>
        )}
      </dl>
      {secret && <SecretReveal webhook={secret} rotated onDone={() => setSecret(null)} />}
      {notice && <Banner kind="info">{notice}</Banner>}
      {error && (
        <p class="field-error" role="alert">
          {error.message}
        </p>
      )}
      <div class="actions" role="group" aria-label="Webhook actions">
        <button type="button" disabled={busy !== null} onClick={() => void sendTest()}>
          Send test
        </button>
        <button type="button" disabled={busy !== null} onClick={() => void rotate()}>
          Rotate secret
        </button>
        <button type="button" disabled={busy !== null} onClick={() => void toggleActive()}>
          {w.active ? 'Pause' : 'Resume'}
        </button>
        {confirmDelete ? (
          <button type="button" class="danger" disabled={busy !== null} onClick={() => void remove()}>
            Confirm delete
          </button>
        ) : (
          <button type="button" class="danger" disabled={busy !== null} onClick={() => setConfirmDelete(true)}>
            Delete
          </button>
        )}
      </div>

      <section>
        <div class="section-head">
          <h2>Deliveries</h2>
          <button type="button" onClick={() => void deliveries.reload()}>
            Refresh
          </button>
        </div>
        <StatusFilter
          id="delivery-status-filter"
          statuses={DELIVERY_STATUSES}
          value={status}
          onChange={(s) => {
            setStatus(s as DeliveryStatus | '');
            setOffset(0);
          }}
          total={deliveries.data?.total}
        />
        {deliveries.error && <LoadError error={deliveries.error} what="Deliveries" />}
        {!deliveries.data && !deliveries.error && <Loading what="deliveries" />}
        {deliveries.data && deliveries.data.items.length === 0 && <Empty>No deliveries{status ? ` ${status}` : ''} yet.</Empty>}
        {deliveries.data && deliveries.data.items.length > 0 && (
          <div class="table-wrap">
            <table data-testid="deliveries">
              <caption class="visually-hidden">Deliveries, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last outcome</th>
                  <th scope="col">Next attempt</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {deliveries.data.items.map((d) => (
                  <tr key={d.id} data-delivery-id={d.id}>
                    <td>
                      <code>{d.event}</code>
                    </td>
                    <td>
                      <DeliveryBadge status={d.status} />
                    </td>
                    <td>{d.attempts}</td>
                    <td class="reason">{outcome(d)}</td>
                    <td>
                      {d.status === 'pending' ? dateTime(d.nextAttemptAt) : d.deliveredAt ? `delivered ${dateTime(d.deliveredAt)}` : '—'}
                    </td>
                    <td>{dateTime(d.createdAt)}</td>
                    <td>
                      {d.status !== 'pending' && (
                        <button type="button" disabled={busy !== null} onClick={() => void redeliver(d)}>
                          Redeliver
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {deliveries.data && <Pager total={deliveries.data.total} offset={offset} limit={PAGE_SIZE} onOffset={setOffset} />}
      </section>
    </main>
  );
}
