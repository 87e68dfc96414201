import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isSuccessStatus, type AttemptResult } from './webhook-retry-decision';
import type { ResolvedAddress } from './webhook-target';

/** Enough of an error answer to tell a person why; the rest is never read. */
const MAX_ERROR_BODY_BYTES = 512;

export interface WebhookPost {
  url: URL;
  /** The addresses WebhookTargetGuard checked: the connection goes to one of these and nowhere else. */
  addresses: readonly ResolvedAddress[];
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Aborted when the process shuts down. */
  signal?: AbortSignal;
}

function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all)
      callback(
        null,
        addresses.map((a) => ({ address: a.address, family: a.family })),
      );
    else callback(null, addresses[0].address, addresses[0].family);
  }) as LookupFunction;
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset before an answer',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

function describeNetworkError(error: NodeJS.ErrnoException): string {
  if (error.code && NETWORK_ERRORS[error.code]) return `${NETWORK_ERRORS[error.code]} (${error.code})`;
  return error.code && !error.message.includes(error.code) ? `${error.message} (${error.code})` : error.message;
}

/**
 * One POST, bounded in every direction: a deadline for the whole exchange, redirects not followed,
 * no connection reuse, at most MAX_ERROR_BODY_BYTES of the answer read. Never throws.
 */
export function postWebhook(request: WebhookPost): Promise<AttemptResult> {
  return new Promise((resolve) => {
    let settled = false;
    let statusCode: number | null = null;
    const finish = (result: AttemptResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(result);
    };
    const fail = (error: string): void => finish({ ok: false, statusCode, error });

    const transport = request.url.protocol === 'https:' ? https : http;
    const req = transport.request(request.url, {
      method: 'POST',
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      lookup: pinnedLookup(request.addresses),
      agent: false,
    });
    const timer = setTimeout(
      () =>
        statusCode !== null && isSuccessStatus(statusCode)
          ? finish({ ok: true, statusCode })
          : fail(statusCode !== null ? `HTTP ${statusCode}` : `no answer within ${request.timeoutMs / 1000} s`),
      request.timeoutMs,
    );
    const onAbort = (): void => fail('aborted: the service is shutting down');
    request.signal?.addEventListener('abort', onAbort);
    if (request.signal?.aborted) onAbort();

    req.on('error', (error: NodeJS.ErrnoException) => fail(describeNetworkError(error)));
    req.on('response', (res) => {
      statusCode = res.statusCode ?? 0;
      if (isSuccessStatus(statusCode)) {
        finish({ ok: true, statusCode });
        return;
      }
      if (statusCode >= 300 && statusCode < 400) {
        fail(`HTTP ${statusCode}: redirect${res.headers.location ? ' to ' + res.headers.location.slice(0, 200) : ''} not followed`);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => {
        const text = Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
        fail(`HTTP ${statusCode}${text ? `: ${text}` : ''}`);
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_ERROR_BODY_BYTES) done();
      });
      res.on('end', done);
      res.on('error', done);
    });
    req.end(request.body);
  });
}
