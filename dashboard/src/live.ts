/**
 * Live updates: one EventSource on /api/v1/stream shared by every page. Events carry ids; pages
 * refetch what they show. `resync` (the server lost its change feed for a while) means "refetch all".
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, streamUrl } from './api';

export type LiveEventName = 'experiment.changed' | 'rollout.changed' | 'alert.raised' | 'resync';
export interface LiveEvent {
  type: LiveEventName;
  id?: string;
  data: Record<string, unknown>;
}
export type LiveStatus = 'connecting' | 'live' | 'offline';

const EVENT_NAMES: LiveEventName[] = ['experiment.changed', 'rollout.changed', 'alert.raised', 'resync'];
const handlers = new Set<(event: LiveEvent) => void>();
const statusListeners = new Set<(status: LiveStatus) => void>();
let source: EventSource | null = null;
let status: LiveStatus = 'offline';

function setStatus(next: LiveStatus): void {
  status = next;
  for (const listener of statusListeners) listener(next);
}

/** Bumped on every connect/disconnect, so a ticket fetched for an older connection is dropped. */
let generation = 0;
let retryTimer: number | undefined;
const RETRY_MS = 3000;

/**
 * (Re)opens the stream with a fresh ticket for the current token; called after sign-in. EventSource
 * retries by itself with the same URL, whose ticket lives 60 s: once the server refuses it (the
 * source ends CLOSED), a new ticket is fetched and the stream reopened.
 */
export function connectLive(): void {
  const mine = ++generation;
  window.clearTimeout(retryTimer);
  source?.close();
  source = null;
  setStatus('connecting');
  streamUrl().then(
    (url) => {
      if (mine !== generation) return;
      open(url, mine);
    },
    (error: unknown) => {
      if (mine !== generation) return;
      // A refused token stays offline (sign-in handles it); anything else is retried.
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) setStatus('offline');
      else retryLater(mine);
    },
  );
}

function retryLater(mine: number): void {
  setStatus('connecting');
  window.clearTimeout(retryTimer);
  retryTimer = window.setTimeout(() => {
    if (mine === generation) connectLive();
  }, RETRY_MS);
}

function open(url: string, mine: number): void {
  const es = new EventSource(url);
  source = es;
  es.onopen = () => setStatus('live');
  es.onerror = () => {
    if (es.readyState !== EventSource.CLOSED) {
      setStatus('connecting');
      return;
    }
    // Refused (typically an expired ticket after a reconnect): start over with a new ticket.
    es.close();
    if (mine === generation) retryLater(mine);
  };
  for (const type of EVENT_NAMES) {
    es.addEventListener(type, (message) => {
      let data: Record<string, unknown> = {};
      try {
        data = JSON.parse((message as MessageEvent<string>).data) as Record<string, unknown>;
      } catch {
        data = {};
      }
      const event: LiveEvent = { type, id: typeof data.id === 'string' ? data.id : undefined, data };
      for (const handler of handlers) handler(event);
    });
  }
}

export function disconnectLive(): void {
  generation++;
  window.clearTimeout(retryTimer);
  source?.close();
  source = null;
  setStatus('offline');
}

/**
 * Calls `onEvent` for stream events that `filter` accepts (always for `resync`). Bursts are
 * coalesced so a page refetches once per burst.
 */
export function useLive(filter: (event: LiveEvent) => boolean, onEvent: () => void): void {
  const latest = useRef({ filter, onEvent });
  latest.current = { filter, onEvent };
  useEffect(() => {
    let timer: number | undefined;
    const handler = (event: LiveEvent): void => {
      if (event.type !== 'resync' && !latest.current.filter(event)) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(() => latest.current.onEvent(), 100);
    };
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      window.clearTimeout(timer);
    };
  }, []);
}

export function useLiveStatus(): LiveStatus {
  const [value, setValue] = useState(status);
  useEffect(() => {
    statusListeners.add(setValue);
    setValue(status);
    return () => {
      statusListeners.delete(setValue);
    };
  }, []);
  return value;
}
