/**
 * Live updates: one EventSource on /api/v1/stream shared by every page. Events carry ids; pages
 * refetch what they show. `resync` (the server lost its change feed for a while) means "refetch all".
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { streamUrl } from './api';

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

/** (Re)opens the stream with the current token; called after sign-in. */
export function connectLive(): void {
  source?.close();
  setStatus('connecting');
  const es = new EventSource(streamUrl());
  source = es;
  es.onopen = () => setStatus('live');
  // EventSource retries by itself (the server sends `retry:`); a closed one was refused (e.g. 401).
  es.onerror = () => setStatus(es.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
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
