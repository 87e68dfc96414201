import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './generated/api';

export type { paths } from './generated/api';
export type ApiClient = Client<paths>;

export interface ApiClientOptions {
  baseUrl: string;
  token?: string;
  fetch?: typeof fetch;
}

/**
 * A typed client for the whole HTTP API, its types generated from the service's OpenAPI document
 * (`npm run api:generate`): `await api.GET('/api/v1/experiments/{idOrKey}', { params: { path: { idOrKey } } })`.
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: options.token ? { Authorization: `Bearer ${options.token}` } : undefined,
    fetch: options.fetch,
  });
}
