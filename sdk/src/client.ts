import { randomUUID } from 'node:crypto';
import { inPercentage } from './bucketing/assign-variant';
import type { AssignmentLookup, DefinedExperiment, DefinedRollout, Definitions, ExposureItem, ExposureReport } from './definitions';
import { Assignment, checkUserId, CompiledExperiment, compileExperiment, evaluateNewUser, NOT_READY, NOT_RUNNING } from './evaluate';
import { HttpError, readEvents, Transport } from './transport';

export interface ExperimentationClientOptions {
  baseUrl: string;
  /** A client (or admin) token of the service. */
  token?: string;
  /** How often definitions are re-checked with `If-None-Match` (the stream usually says sooner). Default 30. */
  refreshSeconds?: number;
  /** Listen to `GET /api/v1/sdk/stream` for new definitions. Default true. */
  stream?: boolean;
  /** How often buffered exposures and events are sent. Default 1. */
  flushIntervalSeconds?: number;
  /** `ready()` rejects after this long without definitions (loading goes on in the background). Default 10. */
  readyTimeoutSeconds?: number;
  /** Per HTTP request. Default 10. */
  requestTimeoutSeconds?: number;
  /**
   * Distinct (experiment, user) exposure records not yet acknowledged by the service (each holds any
   * number of exposures); further ones are dropped and counted. A record shares the remembered
   * user's entry, so it costs little beyond it (~100 bytes once cut into a batch). Default 500,000.
   */
  maxBufferedExposures?: number;
  /** Events held while the service is unreachable; further ones are dropped and counted. Default 100,000. */
  maxBufferedEvents?: number;
  /** Users whose assignment is remembered, per experiment (all forgotten at once when full). Default 500,000. */
  maxCachedUsers?: number;
  /** Users queued for a lookup (see `assign`) at once. Default 100,000. */
  maxPendingLookups?: number;
  fetch?: typeof fetch;
  /** Failures of background work (refresh, stream, flush); the client keeps going. */
  onError?: (error: Error) => void;
}

export interface DefinitionsChange {
  experiments: string[];
  rollouts: string[];
}

export interface ClientStats {
  ready: boolean;
  etag: string | null;
  bufferedExposures: number;
  bufferedEvents: number;
  droppedExposures: number;
  droppedEvents: number;
  sentExposures: number;
  sentEvents: number;
  rejectedEvents: number;
  corrections: number;
  lookups: number;
}

/**
 * A user who holds an assignment (decided here, or learned from the server), with the exposures
 * not yet reported: one map entry serves both the answer and the report, so a decision costs one
 * map operation.
 */
interface UserState {
  userId: string;
  index: number;
  count: number;
}

/** What the client knows about the users of one experiment; kept across definition refreshes. */
interface Users {
  experimentId: string;
  variantNames: string[];
  known: Map<string, UserState>;
  /** Users with exposures to report (count > 0). */
  pending: UserState[];
  /** Users the server said hold none, valid for one revision of the experiment. */
  absent: Set<string>;
  absentRevision: string;
}

interface Entry {
  compiled: CompiledExperiment;
  users: Users;
}

interface EventItem {
  experiment: string;
  userId: string;
  eventName: string;
  value?: number;
  properties?: Record<string, unknown>;
  eventId: string;
  timestamp: string;
}

interface PendingLookup {
  entry: Entry;
  users: Set<string>;
  done: Promise<void>;
  resolve: () => void;
}

const MAX_BATCH = 10_000;
const REPORTS_IN_FLIGHT = 3;
const START_RETRY_MS = 1000;
const MAX_STREAM_BACKOFF_MS = 30_000;

/**
 * Decides locally from the service's definitions, with the answers `POST /experiments/:key/assign`
 * and the rollout check give (docs/sdk.md says exactly when), and reports what it decided so the
 * server's assignments, exposures and results are as if every call had gone to it.
 */
export class ExperimentationClient {
  private readonly transport: Transport;
  private readonly options: Required<Omit<ExperimentationClientOptions, 'token' | 'fetch' | 'onError'>>;
  private readonly onError: (error: Error) => void;

  private experiments = new Map<string, Entry>();
  private experimentsById = new Map<string, Entry>();
  private rollouts = new Map<string, DefinedRollout>();
  private readonly users = new Map<string, Users>();
  private definitions: Definitions | null = null;
  private etag: string | null = null;
  private loaded = false;
  private closed = false;
  private lastError: Error | null = null;
  private readonly readyWaiters: Array<() => void> = [];
  private readonly listeners = new Set<(change: DefinitionsChange) => void>();

  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly abort = new AbortController();
  private readonly wakeOnClose = new Set<() => void>();

  private readonly exposureOutbox: Array<{ batchId: string; items: ExposureItem[] }> = [];
  private events: EventItem[] = [];
  private readonly eventOutbox: EventItem[][] = [];
  private flushing: Promise<void> | null = null;
  private readonly pendingLookups = new Map<string, PendingLookup>();
  private pendingLookupCount = 0;
  private lookupScheduled = false;

  private readonly counters = {
    bufferedExposures: 0,
    bufferedEvents: 0,
    droppedExposures: 0,
    droppedEvents: 0,
    sentExposures: 0,
    sentEvents: 0,
    rejectedEvents: 0,
    corrections: 0,
    lookups: 0,
  };

  constructor(options: ExperimentationClientOptions) {
    this.options = {
      baseUrl: options.baseUrl,
      refreshSeconds: options.refreshSeconds ?? 30,
      stream: options.stream ?? true,
      flushIntervalSeconds: options.flushIntervalSeconds ?? 1,
      readyTimeoutSeconds: options.readyTimeoutSeconds ?? 10,
      requestTimeoutSeconds: options.requestTimeoutSeconds ?? 10,
      maxBufferedExposures: options.maxBufferedExposures ?? 500_000,
      maxBufferedEvents: options.maxBufferedEvents ?? 100_000,
      maxCachedUsers: options.maxCachedUsers ?? 500_000,
      maxPendingLookups: options.maxPendingLookups ?? 100_000,
    };
    this.onError = options.onError ?? (() => undefined);
    this.transport = new Transport({
      baseUrl: options.baseUrl,
      token: options.token,
      timeoutMs: this.options.requestTimeoutSeconds * 1000,
      fetch: options.fetch,
    });
    void this.start();
    this.every(this.options.refreshSeconds * 1000, () => {
      if (this.loaded) void this.refreshDefinitions().catch((error: Error) => this.fail(error));
    });
    this.every(this.options.flushIntervalSeconds * 1000, () => void this.flush().catch((error: Error) => this.fail(error)));
    if (this.options.stream) void this.listen();
  }

  /** Resolves once definitions are loaded; rejects after `readyTimeoutSeconds` without them (loading goes on). */
  ready(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('ExperimentationClient is closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.readyWaiters.indexOf(done);
        if (index >= 0) this.readyWaiters.splice(index, 1);
        const cause = this.lastError ? `: ${this.lastError.message}` : '';
        reject(new Error(`definitions not loaded within ${this.options.readyTimeoutSeconds} s${cause}`));
      }, this.options.readyTimeoutSeconds * 1000);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.readyWaiters.push(done);
    });
  }

  get isReady(): boolean {
    return this.loaded;
  }

  /**
   * The variant for this user, decided here without I/O. Equal to the server's answer except for a
   * user who may hold an assignment the client has not seen (allocation lowered since, or paused):
   * the client answers as for a user without one and asks the server in the background, so the next
   * call is exact; `assignAsync` waits for that answer instead. See docs/sdk.md.
   */
  assign(experimentKey: string, userId: string): Assignment {
    if (!this.loaded) return NOT_READY;
    checkUserId(userId);
    const entry = this.experiments.get(experimentKey);
    if (entry === undefined) return NOT_RUNNING;
    const compiled = entry.compiled;
    if (compiled.definition.status === 'completed') return compiled.fixed;

    const known = entry.users.known.get(userId);
    if (known !== undefined) {
      this.expose(entry.users, known);
      return compiled.sticky[known.index];
    }
    const evaluation = evaluateNewUser(compiled, userId);
    if (evaluation.kind === 'enrol') {
      this.expose(entry.users, this.remember(entry.users, userId, evaluation.index));
      return compiled.assigned[evaluation.index];
    }
    if (evaluation.kind === 'ambiguous' && !this.knownAbsent(entry, userId) && this.pendingLookupCount < this.options.maxPendingLookups) {
      void this.lookup(entry, userId).catch((error: Error) => this.fail(error));
    }
    return compiled.fixed;
  }

  /** `assign`, exact in every case: for a user only the server can place, it asks first (once; the answer is remembered). */
  async assignAsync(experimentKey: string, userId: string): Promise<Assignment> {
    if (!this.loaded) await this.ready().catch(() => undefined);
    if (!this.loaded) return NOT_READY;
    checkUserId(userId);
    const entry = this.experiments.get(experimentKey);
    if (entry && this.isAmbiguous(entry, userId)) await this.lookup(entry, userId).catch((error: Error) => this.fail(error));
    return this.assign(experimentKey, userId);
  }

  /** Learns, in batches and without counting exposures, which of these users hold an assignment, so `assign` is exact for them. */
  async prefetch(experimentKey: string, userIds: readonly string[]): Promise<void> {
    if (!this.loaded) await this.ready();
    const entry = this.experiments.get(experimentKey);
    if (!entry) return;
    const wanted = userIds.filter((userId) => {
      checkUserId(userId);
      return this.isAmbiguous(entry, userId);
    });
    for (let i = 0; i < wanted.length; i += MAX_BATCH) await this.lookupNow(entry, wanted.slice(i, i + MAX_BATCH));
  }

  /** The rollout check (`GET /rollouts/check/:modelVersion`): false for a version without a serving rollout, or before `ready()`. */
  useNewModel(modelVersion: string, userId: string): boolean {
    if (!this.loaded) return false;
    checkUserId(userId);
    const rollout = this.rollouts.get(modelVersion);
    return rollout !== undefined && inPercentage(rollout.seed, userId, rollout.percentage);
  }

  /** The rollout that speaks for a model version, if it serves (running, paused or completed). */
  rollout(modelVersion: string): DefinedRollout | undefined {
    return this.rollouts.get(modelVersion);
  }

  experiment(experimentKey: string): DefinedExperiment | undefined {
    return this.experiments.get(experimentKey)?.compiled.definition;
  }

  /** Buffers an event (sent with `POST /events/batch`, each with its own eventId so a retry is stored once). */
  track(experimentKey: string, userId: string, eventName: string, value?: number, properties?: Record<string, unknown>): void {
    checkUserId(userId);
    if (this.counters.bufferedEvents >= this.options.maxBufferedEvents) {
      this.counters.droppedEvents++;
      return;
    }
    const event: EventItem = {
      experiment: this.experiments.get(experimentKey)?.compiled.definition.id ?? experimentKey,
      userId,
      eventName,
      eventId: randomUUID(),
      timestamp: new Date().toISOString(),
    };
    if (value !== undefined) event.value = value;
    if (properties !== undefined) event.properties = properties;
    this.events.push(event);
    this.counters.bufferedEvents++;
  }

  /** Sends every buffered exposure, then every buffered event. Resolves when the service has them (or rejects: they stay buffered). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => undefined);
    this.flushing = this.flushOnce().finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }

  /** Stops refreshing and sends what is buffered. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    this.abort.abort();
    for (const wake of this.wakeOnClose) wake();
    await this.flush().catch((error: Error) => this.fail(error));
  }

  /** Called after each change of definitions (not the first load) with the experiment keys and model versions that changed. */
  onChange(listener: (change: DefinitionsChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): ClientStats {
    return { ready: this.loaded, etag: this.etag, ...this.counters };
  }

  /** Fetches definitions now (with `If-None-Match`); the stream and the poll call this on their own. */
  refresh(): Promise<void> {
    return this.refreshDefinitions();
  }

  // ── definitions ──────────────────────────────────────────────────────────────

  private async start(): Promise<void> {
    while (!this.loaded && !this.closed) {
      try {
        await this.refreshDefinitions();
      } catch (error) {
        this.fail(error as Error);
        await this.sleep(Math.min(START_RETRY_MS, this.options.refreshSeconds * 1000));
      }
    }
  }

  /** One definitions request at a time; a request asked for meanwhile runs once more afterwards. */
  private refreshDefinitions(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          await this.load();
        } while (this.refreshAgain && !this.closed);
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const response = await this.transport.request<Definitions>(
      'GET',
      '/api/v1/sdk/definitions',
      undefined,
      this.etag && this.loaded ? { 'if-none-match': this.etag } : {},
    );
    if (response.status === 304 || response.body === null) return;
    this.apply(response.body, response.headers.get('etag'));
  }

  private apply(next: Definitions, etag: string | null): void {
    const previous = this.definitions;
    const experiments = new Map<string, Entry>();
    for (const definition of next.experiments) {
      let users = this.users.get(definition.id);
      if (!users) {
        users = {
          experimentId: definition.id,
          variantNames: [],
          known: new Map(),
          pending: [],
          absent: new Set(),
          absentRevision: definition.updatedAt,
        };
        this.users.set(definition.id, users);
      } else if (users.absentRevision !== definition.updatedAt) {
        // The experiment changed: someone may have been enrolled since the server said "absent".
        users.absent = new Set();
        users.absentRevision = definition.updatedAt;
      }
      users.variantNames = definition.variants.map((v) => v.name);
      experiments.set(definition.key, { compiled: compileExperiment(definition), users });
    }
    // A deleted experiment takes its assignments with it.
    const ids = new Set(next.experiments.map((e) => e.id));
    for (const [id, users] of this.users) {
      if (ids.has(id)) continue;
      this.counters.bufferedExposures -= users.pending.length;
      this.users.delete(id);
    }

    this.experiments = experiments;
    this.experimentsById = new Map([...experiments.values()].map((e) => [e.compiled.definition.id, e]));
    this.rollouts = new Map(next.rollouts.map((r) => [r.modelVersion, r]));
    this.definitions = next;
    this.etag = etag;
    this.lastError = null;

    if (!this.loaded) {
      this.loaded = true;
      for (const done of this.readyWaiters.splice(0)) done();
      return;
    }
    const change = diffDefinitions(previous, next);
    if (change.experiments.length + change.rollouts.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.fail(error as Error);
      }
    }
  }

  /** The stream says when the definitions' ETag changes; reconnects with backoff while the service is away. */
  private async listen(): Promise<void> {
    let backoff = START_RETRY_MS;
    while (!this.closed) {
      try {
        const response = await this.transport.stream('/api/v1/sdk/stream', this.abort.signal);
        backoff = START_RETRY_MS;
        await readEvents(response, (event, data) => {
          if (event !== 'definitions') return;
          const { etag } = JSON.parse(data) as { etag?: string };
          if (etag !== this.etag) void this.refreshDefinitions().catch((error: Error) => this.fail(error));
        });
      } catch (error) {
        if (this.closed) return;
        this.fail(error as Error);
      }
      await this.sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_STREAM_BACKOFF_MS);
    }
  }

  // ── users the definitions cannot place ─────────────────────────────────────────

  private knownAbsent(entry: Entry, userId: string): boolean {
    return entry.users.absentRevision === entry.compiled.definition.updatedAt && entry.users.absent.has(userId);
  }

  private isAmbiguous(entry: Entry, userId: string): boolean {
    const status = entry.compiled.definition.status;
    if (status === 'completed' || entry.users.known.has(userId) || this.knownAbsent(entry, userId)) return false;
    return evaluateNewUser(entry.compiled, userId).kind === 'ambiguous';
  }

  /** Queues a user for the next lookup of this experiment (lookups of concurrent calls share requests). */
  private lookup(entry: Entry, userId: string): Promise<void> {
    const id = entry.compiled.definition.id;
    let pending = this.pendingLookups.get(id);
    if (!pending) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      pending = { entry, users: new Set(), done, resolve };
      this.pendingLookups.set(id, pending);
    }
    if (!pending.users.has(userId)) {
      pending.users.add(userId);
      this.pendingLookupCount++;
    }
    if (!this.lookupScheduled) {
      this.lookupScheduled = true;
      setImmediate(() => void this.runLookups());
    }
    return pending.done;
  }

  private async runLookups(): Promise<void> {
    this.lookupScheduled = false;
    const batches = [...this.pendingLookups.values()];
    this.pendingLookups.clear();
    this.pendingLookupCount = 0;
    await Promise.all(
      batches.map(async ({ entry, users, resolve }) => {
        const all = [...users];
        try {
          for (let i = 0; i < all.length; i += MAX_BATCH) await this.lookupNow(entry, all.slice(i, i + MAX_BATCH));
        } catch (error) {
          this.fail(error as Error);
        } finally {
          resolve();
        }
      }),
    );
  }

  private async lookupNow(entry: Entry, userIds: string[]): Promise<void> {
    const definition = entry.compiled.definition;
    const { body } = await this.transport.request<AssignmentLookup>('POST', '/api/v1/sdk/assignments/lookup', {
      experiment: definition.id,
      userIds,
    });
    this.counters.lookups += userIds.length;
    if (!body) return;
    // Refreshed meanwhile: absences were true of the older revision only.
    const sameRevision = entry.users.absentRevision === definition.updatedAt;
    for (const userId of userIds) {
      const variant = Object.hasOwn(body.assignments, userId) ? body.assignments[userId] : undefined;
      const index = variant === undefined ? -1 : definition.variants.findIndex((v) => v.name === variant);
      if (index >= 0) this.remember(entry.users, userId, index);
      else if (variant === undefined && sameRevision) entry.users.absent.add(userId);
    }
  }

  private remember(users: Users, userId: string, index: number): UserState {
    if (users.known.size >= this.options.maxCachedUsers) {
      // Forgotten at once, as the service does: evicting one by one from the front of a Map makes every
      // insert walk the deleted slots. A forgotten user is decided again exactly, or looked up again;
      // their unreported exposures stay in `pending`.
      users.known.clear();
    }
    const state: UserState = { userId, index, count: 0 };
    users.known.set(userId, state);
    return state;
  }

  // ── exposures and events ──────────────────────────────────────────────────────

  private expose(users: Users, state: UserState): void {
    if (state.count === 0) {
      if (this.counters.bufferedExposures >= this.options.maxBufferedExposures) {
        this.counters.droppedExposures++;
        return;
      }
      this.counters.bufferedExposures++;
      users.pending.push(state);
    }
    state.count++;
  }

  private async flushOnce(): Promise<void> {
    // Events are cut first: every decision an event follows is then in the exposures cut after it,
    // and exposures are sent first, so the server knows the user before it sees the event.
    if (this.events.length > 0) {
      for (let i = 0; i < this.events.length; i += MAX_BATCH) this.eventOutbox.push(this.events.slice(i, i + MAX_BATCH));
      this.events = [];
    }
    this.cutExposures();

    // A few batches in flight at once: each is its own transaction on the server, and the server
    // locks users in key order, so they neither wait on each other nor deadlock.
    while (this.exposureOutbox.length > 0) {
      const window = this.exposureOutbox.slice(0, REPORTS_IN_FLIGHT);
      const outcomes = await Promise.allSettled(window.map((batch) => this.sendExposures(batch)));
      let retry: unknown = null;
      outcomes.forEach((outcome, i) => {
        if (outcome.status === 'rejected' && isRetryable(outcome.reason)) {
          retry ??= outcome.reason;
          return;
        }
        if (outcome.status === 'rejected') this.fail(outcome.reason as Error);
        this.exposureOutbox.splice(this.exposureOutbox.indexOf(window[i]), 1);
        this.counters.bufferedExposures -= window[i].items.length;
      });
      if (retry !== null) throw retry;
    }

    while (this.eventOutbox.length > 0) {
      const events = this.eventOutbox[0];
      try {
        const { body } = await this.transport.request<{ accepted: number; duplicates: number; rejected: unknown[] }>(
          'POST',
          '/api/v1/events/batch',
          { events },
        );
        this.counters.sentEvents += (body?.accepted ?? 0) + (body?.duplicates ?? 0);
        this.counters.rejectedEvents += body?.rejected.length ?? 0;
      } catch (error) {
        if (isRetryable(error)) throw error;
        this.fail(error as Error);
      }
      this.eventOutbox.shift();
      this.counters.bufferedEvents -= events.length;
    }
  }

  private async sendExposures(batch: { batchId: string; items: ExposureItem[] }): Promise<void> {
    const { body } = await this.transport.request<ExposureReport>('POST', '/api/v1/sdk/exposures', {
      batchId: batch.batchId,
      exposures: batch.items,
    });
    if (body) this.applyCorrections(batch.items, body);
    this.counters.sentExposures += batch.items.length;
  }

  private cutExposures(): void {
    let items: ExposureItem[] = [];
    for (const users of this.users.values()) {
      if (users.pending.length === 0) continue;
      for (const state of users.pending) {
        items.push({ experiment: users.experimentId, userId: state.userId, variant: users.variantNames[state.index], count: state.count });
        state.count = 0;
        if (items.length === MAX_BATCH) {
          this.exposureOutbox.push({ batchId: randomUUID(), items });
          items = [];
        }
      }
      users.pending = [];
    }
    if (items.length > 0) this.exposureOutbox.push({ batchId: randomUUID(), items });
  }

  /** The server holds a different answer for these users: it wins. */
  private applyCorrections(items: ExposureItem[], report: ExposureReport): void {
    for (const correction of report.corrections) {
      const item = items[correction.index];
      if (!item) continue;
      this.counters.corrections++;
      const entry = this.experimentsById.get(item.experiment);
      if (!entry) continue;
      const users = entry.users;
      const index = correction.variant === null ? -1 : entry.compiled.definition.variants.findIndex((v) => v.name === correction.variant);
      const state = users.known.get(item.userId);
      if (index >= 0) {
        if (state) state.index = index;
        else this.remember(users, item.userId, index);
      } else {
        users.known.delete(item.userId);
        if (users.absentRevision === entry.compiled.definition.updatedAt) users.absent.add(item.userId);
      }
    }
  }

  // ── plumbing ────────────────────────────────────────────────────────────────

  private every(ms: number, run: () => void): void {
    const timer = setInterval(run, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakeOnClose.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.wakeOnClose.add(wake);
    });
  }

  private fail(error: Error): void {
    this.lastError = error;
    if (this.closed && error.name === 'AbortError') return;
    try {
      this.onError(error);
    } catch {
      // a throwing handler must not stop the client
    }
  }
}

function isRetryable(error: unknown): boolean {
  // Network failures and timeouts are TypeErrors / AbortErrors from fetch, not HttpErrors.
  return !(error instanceof HttpError) || error.retryable;
}

function diffDefinitions(previous: Definitions | null, next: Definitions): DefinitionsChange {
  const before = new Map((previous?.experiments ?? []).map((e) => [e.key, JSON.stringify(e)]));
  const after = new Map(next.experiments.map((e) => [e.key, JSON.stringify(e)]));
  const rolloutsBefore = new Map((previous?.rollouts ?? []).map((r) => [r.modelVersion, JSON.stringify(r)]));
  const rolloutsAfter = new Map(next.rollouts.map((r) => [r.modelVersion, JSON.stringify(r)]));
  const changed = (a: Map<string, string>, b: Map<string, string>): string[] =>
    [...new Set([...a.keys(), ...b.keys()])].filter((key) => a.get(key) !== b.get(key)).sort();
  return { experiments: changed(before, after), rollouts: changed(rolloutsBefore, rolloutsAfter) };
}
