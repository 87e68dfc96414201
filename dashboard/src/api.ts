/**
 * The one place the dashboard talks to the service: same origin, `/api/v1`, the admin token from
 * sessionStorage as a bearer token (the stream takes it as `?token=`, the only route that may).
 */
import type {
  Alert,
  AlertStatus,
  Experiment,
  ExperimentHistoryEntry,
  ErrorCode,
  ExperimentStatus,
  FieldProblem,
  Page,
  Results,
  Rollout,
  RolloutHistoryEntry,
  RolloutStatus,
  Timeseries,
  DeliveryStatus,
  WebhookDelivery,
  WebhookSubscription,
  WebhookWithSecret,
} from './types';

const BASE = '/api/v1';
const TOKEN_KEY = 'experimentation.adminToken';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: FieldProblem[] = [],
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The error body's machine-readable code (docs/api-errors.md); null when the service could not be reached. */
  get code(): ErrorCode | null {
    return typeof this.body.code === 'string' ? (this.body.code as ErrorCode) : null;
  }
}

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

let onUnauthorized: (error: ApiError) => void = () => undefined;

/** The app shows the sign-in box when a request is refused for want of a (valid) token. */
export function setUnauthorizedHandler(handler: (error: ApiError) => void): void {
  onUnauthorized = handler;
}

type Query = Record<string, string | number | boolean | undefined | null>;

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function request<T>(method: string, path: string, body?: unknown, token: string | null = getToken()): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'The service cannot be reached: check that it is running');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const errorBody = (parsed ?? {}) as { message?: string; details?: FieldProblem[] };
    const error = new ApiError(
      response.status,
      errorBody.message ?? `${response.status} ${response.statusText}`,
      Array.isArray(errorBody.details) ? errorBody.details : [],
      (parsed ?? {}) as Record<string, unknown>,
    );
    if (response.status === 401 || response.status === 403) onUnauthorized(error);
    throw error;
  }
  return parsed as T;
}

/** 'ok' when the token (or none, in open mode) may use the admin API. Never triggers the sign-in handler. */
export async function probe(token: string | null): Promise<'ok' | 'unauthorized' | 'forbidden'> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${BASE}/experiments?limit=1`, { headers });
  if (response.status === 401) return 'unauthorized';
  if (response.status === 403) return 'forbidden';
  if (!response.ok) throw new ApiError(response.status, `The service answered ${response.status}`);
  return 'ok';
}

/**
 * The stream's URL with a fresh 60-second ticket (POST /stream/ticket with the token in the header):
 * the admin token itself never goes into a URL. Throws ApiError (401 when the token is refused).
 */
export async function streamUrl(): Promise<string> {
  const { ticket } = await request<{ ticket: string; expiresAt: string }>('POST', '/stream/ticket');
  return withQuery(`${BASE}/stream`, { ticket });
}

const enc = encodeURIComponent;

export type ExperimentAction = 'start' | 'pause' | 'resume' | 'complete';
export type RolloutAction = 'start' | 'pause' | 'resume' | 'promote' | 'rollback';

export const api = {
  experiments: {
    list: (query: { status?: ExperimentStatus | ''; limit?: number; offset?: number }) =>
      request<Page<Experiment>>('GET', withQuery('/experiments', query)),
    get: (idOrKey: string) => request<Experiment>('GET', `/experiments/${enc(idOrKey)}`),
    create: (body: unknown) => request<Experiment>('POST', '/experiments', body),
    transition: (idOrKey: string, action: ExperimentAction, body: { winner?: string } = {}) =>
      request<Experiment>('POST', `/experiments/${enc(idOrKey)}/${action}`, body),
    remove: (idOrKey: string) => request<void>('DELETE', `/experiments/${enc(idOrKey)}`),
    history: (idOrKey: string) => request<ExperimentHistoryEntry[]>('GET', `/experiments/${enc(idOrKey)}/history`),
    results: (idOrKey: string, fresh = false) =>
      request<Results>('GET', withQuery(`/experiments/${enc(idOrKey)}/results`, { fresh: fresh || undefined })),
    timeseries: (idOrKey: string, interval: 'day' | 'hour') =>
      request<Timeseries>('GET', withQuery(`/experiments/${enc(idOrKey)}/results/timeseries`, { interval })),
  },
  rollouts: {
    list: (query: { status?: RolloutStatus | ''; limit?: number; offset?: number }) =>
      request<Page<Rollout>>('GET', withQuery('/rollouts', query)),
    get: (id: string) => request<Rollout>('GET', `/rollouts/${enc(id)}`),
    create: (body: unknown) => request<Rollout>('POST', '/rollouts', body),
    action: (id: string, action: RolloutAction, reason?: string) =>
      request<Rollout>('POST', `/rollouts/${enc(id)}/${action}`, reason ? { reason } : {}),
    /** `percentage` goes as typed: the API explains what is wrong with it. */
    setPercentage: (id: string, percentage: number | string | undefined, reason?: string) =>
      request<Rollout>('PUT', `/rollouts/${enc(id)}/percentage`, reason ? { percentage, reason } : { percentage }),
    remove: (id: string) => request<void>('DELETE', `/rollouts/${enc(id)}`),
    history: (id: string) => request<RolloutHistoryEntry[]>('GET', `/rollouts/${enc(id)}/history`),
  },
  alerts: {
    list: (query: { status?: AlertStatus | ''; limit?: number; offset?: number }) =>
      request<Page<Alert>>('GET', withQuery('/alerts', query)),
    acknowledge: (id: string) => request<Alert>('POST', `/alerts/${enc(id)}/acknowledge`),
    resolve: (id: string) => request<Alert>('POST', `/alerts/${enc(id)}/resolve`),
  },
  webhooks: {
    list: (query: { limit?: number; offset?: number }) => request<Page<WebhookSubscription>>('GET', withQuery('/webhooks', query)),
    get: (id: string) => request<WebhookSubscription>('GET', `/webhooks/${enc(id)}`),
    create: (body: unknown) => request<WebhookWithSecret>('POST', '/webhooks', body),
    update: (id: string, body: unknown) => request<WebhookSubscription>('PATCH', `/webhooks/${enc(id)}`, body),
    remove: (id: string) => request<void>('DELETE', `/webhooks/${enc(id)}`),
    rotateSecret: (id: string) => request<WebhookWithSecret>('POST', `/webhooks/${enc(id)}/rotate-secret`),
    test: (id: string) => request<WebhookDelivery>('POST', `/webhooks/${enc(id)}/test`),
    deliveries: (id: string, query: { status?: DeliveryStatus | ''; limit?: number; offset?: number }) =>
      request<Page<WebhookDelivery>>('GET', withQuery(`/webhooks/${enc(id)}/deliveries`, query)),
    redeliver: (id: string, deliveryId: string) =>
      request<WebhookDelivery>('POST', `/webhooks/${enc(id)}/deliveries/${enc(deliveryId)}/redeliver`),
  },
};
