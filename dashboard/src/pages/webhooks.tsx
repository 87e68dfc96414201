import { useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { Empty, LoadError, Loading } from '../components/common';
import { ErrorSummary, Fieldset, GroupError, SelectField, TextField, clearOnEdit, toFieldErrors } from '../components/form';
import { Pager } from '../components/pager';
import { dateTime } from '../format';
import { useListQuery } from '../list-query';
import { Link } from '../router';
import type { WebhookFormat, WebhookWithSecret } from '../types';
import { useAction } from '../use-action';
import { useResource } from '../use-resource';

/** What a subscription may list (the service's SUBSCRIBABLE_EVENT_TYPES); "*" is the "All events" box. */
export const WEBHOOK_EVENTS = [
  'rollout.started',
  'rollout.advanced',
  'rollout.held',
  'rollout.paused',
  'rollout.resumed',
  'rollout.promoted',
  'rollout.completed',
  'rollout.rolled_back',
  'experiment.started',
  'experiment.paused',
  'experiment.resumed',
  'experiment.completed',
  'alert.raised',
  'alert.resolved',
] as const;

const PAGE_SIZE = 25;
// The stylesheet sizes inputs to their column; a checkbox sits before its label text instead.
const CHECKBOX_LABEL = { display: 'flex', alignItems: 'center', gap: '0.4rem' };
const CHECKBOX = { width: 'auto' };

export function eventsText(events: string[]): string {
  return events.includes('*') ? 'all events' : events.join(', ');
}

/** Puts `text` on the clipboard; where the Clipboard API is refused, selects the input and copies that. */
async function copyText(text: string, input: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!input) return false;
    input.select();
    return document.execCommand('copy');
  }
}

/** A signing secret, shown once (after create or rotate) with a copy button; gone once dismissed. */
export function SecretReveal({ webhook, rotated, onDone }: { webhook: WebhookWithSecret; rotated: boolean; onDone: () => void }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  const input = useRef<HTMLInputElement>(null);
  return (
    <div class="banner banner-success" role="status" data-testid="secret-reveal">
      <strong>{rotated ? 'New signing secret' : 'Webhook created'}: copy the secret now, it is not shown again.</strong>
      <div>
        <p>
          Receivers verify the <code>webhook-signature</code> header with it (Standard Webhooks).
          {rotated && ' The previous secret keeps signing alongside this one for 24 hours.'}
        </p>
        <div class="inline-form">
          <label for="webhook-secret" class="visually-hidden">
            Signing secret
          </label>
          <input id="webhook-secret" readOnly value={webhook.secret} size={60} ref={input} onFocus={(e) => e.currentTarget.select()} />
          <button type="button" onClick={() => void copyText(webhook.secret, input.current).then(setCopied)}>
            {copied === true ? 'Copied' : 'Copy'}
          </button>
          <button type="button" onClick={onDone}>
            Done
          </button>
        </div>
        {copied === false && <p class="field-error">Copying was refused by the browser: select the secret and copy it by hand.</p>}
      </div>
    </div>
  );
}

function CreateWebhookForm({ onCreated }: { onCreated: (created: WebhookWithSecret) => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [format, setFormat] = useState<WebhookFormat>('standard');
  const [all, setAll] = useState(false);
  const [events, setEvents] = useState<string[]>(['rollout.rolled_back']);
  const { busy, error, setError, run } = useAction<'create'>();
  const errors = toFieldErrors(error);

  const toggle = (event: string, on: boolean): void =>
    setEvents(on ? WEBHOOK_EVENTS.filter((e) => e === event || events.includes(e)) : events.filter((e) => e !== event));

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const body: Record<string, unknown> = { url: url.trim(), events: all ? ['*'] : events, format };
    if (description.trim()) body.description = description.trim();
    await run('create', async () => {
      const created = await api.webhooks.create(body);
      setUrl('');
      setDescription('');
      onCreated(created);
    });
  };

  return (
    <form
      class="card form"
      aria-label="New webhook"
      noValidate
      onSubmit={(e) => void submit(e)}
      onInput={clearOnEdit(setError)}
      onChange={clearOnEdit(setError)}
    >
      <h2>New webhook</h2>
      <ErrorSummary error={error} />
      <div class="grid-2">
        <TextField
          field="url"
          label="URL"
          hint="http or https; loopback, private and link-local addresses are refused"
          inputMode="url"
          errors={errors}
          value={url}
          onValue={setUrl}
          placeholder="https://hooks.example.com/experimentation"
        />
        <TextField field="description" label="Description (optional)" errors={errors} value={description} onValue={setDescription} />
      </div>
      <SelectField
        field="format"
        label="Format"
        errors={errors}
        value={format}
        onValue={(v) => setFormat(v as WebhookFormat)}
        options={[
          ['standard', 'Standard Webhooks JSON ({ type, timestamp, data })'],
          ['slack', 'Slack incoming webhook ({ text })'],
        ]}
      />
      <Fieldset legend="Events">
        <GroupError field="events" errors={errors} />
        <label style={CHECKBOX_LABEL}>
          <input type="checkbox" name="events" style={CHECKBOX} checked={all} onChange={(e) => setAll(e.currentTarget.checked)} /> All
          events (<code>*</code>, including those added later)
        </label>
        {!all && (
          <div class="grid-2">
            {WEBHOOK_EVENTS.map((event) => (
              <label key={event} style={CHECKBOX_LABEL}>
                <input
                  type="checkbox"
                  name="events"
                  style={CHECKBOX}
                  value={event}
                  checked={events.includes(event)}
                  onChange={(e) => toggle(event, e.currentTarget.checked)}
                />{' '}
                <code>{event}</code>
              </label>
            ))}
          </div>
        )}
      </Fieldset>
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy !== null}>
          {busy ? 'Creating…' : 'Create webhook'}
        </button>
        <span class="muted">The signing secret is shown once, right after.</span>
      </div>
    </form>
  );
}

export function WebhooksPage({ query }: { query: URLSearchParams }) {
  const { offset, go } = useListQuery('/webhooks', query);
  const page = useResource(() => api.webhooks.list({ limit: PAGE_SIZE, offset }), [offset]);
  const [created, setCreated] = useState<WebhookWithSecret | null>(null);

  return (
    <main>
      <div class="page-head">
        <h1>Webhooks</h1>
        <p class="muted">Signed notifications of rollouts, experiments and alerts, retried until the receiver answers 2xx.</p>
      </div>
      {created && <SecretReveal webhook={created} rotated={false} onDone={() => setCreated(null)} />}
      {page.error && <LoadError error={page.error} what="Webhooks" />}
      {!page.data && !page.error && <Loading what="webhooks" />}
      {page.data && page.data.items.length === 0 && <Empty>No webhooks yet: create one below.</Empty>}
      {page.data && page.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Webhooks, newest first</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Format</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((w) => (
                <tr key={w.id}>
                  <td>
                    <Link href={`/webhooks/${w.id}`}>{w.description ?? w.url}</Link>
                    {w.description && <div class="muted small">{w.url}</div>}
                  </td>
                  <td>{eventsText(w.events)}</td>
                  <td>{w.format}</td>
                  <td>{w.active ? 'active' : 'paused'}</td>
                  <td>{dateTime(w.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.data && <Pager total={page.data.total} offset={offset} limit={PAGE_SIZE} onOffset={(o) => go({ offset: o })} />}
      <CreateWebhookForm
        onCreated={(webhook) => {
          setCreated(webhook);
          void page.reload();
          window.scrollTo(0, 0);
        }}
      />
    </main>
  );
}
