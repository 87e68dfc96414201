import { Inject, Injectable } from '@nestjs/common';
import { promises as dns } from 'node:dns';
import * as net from 'node:net';
import { InvalidInputError } from '../common/errors';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { classifyAddress, describeRefusal, isAllowed } from './webhook-target-rules';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Lookup = (hostname: string) => Promise<ResolvedAddress[]>;

/** A target this service will not POST to; the message says why (it ends up in `lastError` or a 400). */
export class TargetRefusedError extends Error {}

const LOOKUP_TIMEOUT_MS = 5000;
export const MAX_URL_LENGTH = 2048;

const systemLookup: Lookup = async (hostname) => {
  const found = await dns.lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** Parses an http(s) URL or says what is wrong with it. */
export function parseTargetUrl(raw: string): URL {
  if (raw.length > MAX_URL_LENGTH) throw new TargetRefusedError(`must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefusedError('must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetRefusedError(`must use http or https, not ${url.protocol}`);
  if (!url.hostname) throw new TargetRefusedError('must name a host');
  return url;
}

/**
 * Where a webhook may point (docs/webhooks.md). The host is resolved and every address it resolves
 * to must be allowed. The sender then connects only to those checked addresses (see webhook-http.ts),
 * so a DNS answer that changes between the check and the connection (rebinding) cannot redirect it.
 */
@Injectable()
export class WebhookTargetGuard {
  /** The resolver; replaceable so tests can play a DNS server that changes its answer. */
  lookup: Lookup = systemLookup;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The checked addresses of `url`'s host; throws TargetRefusedError. */
  async resolve(url: URL): Promise<ResolvedAddress[]> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const family = net.isIP(host);
    const addresses: ResolvedAddress[] =
      family !== 0 ? [{ address: host, family: family === 6 ? 6 : 4 }] : await this.lookupWithTimeout(host);
    if (addresses.length === 0) throw new TargetRefusedError(`host ${host} does not resolve to any address`);
    for (const { address } of addresses) {
      const verdict = classifyAddress(address);
      if (!isAllowed(verdict, this.config.webhookAllowPrivate)) {
        const refusal = describeRefusal(verdict, this.config.webhookAllowPrivate);
        throw new TargetRefusedError(family !== 0 ? refusal : `host ${host} resolves to ${refusal}`);
      }
    }
    return addresses;
  }

  /**
   * For create and update (and for phase-B callers such as a rollout's `webhookUrl`): a 400 naming
   * `field` when the URL is malformed or points somewhere it may not.
   */
  async assertAllowed(raw: string, field = 'url'): Promise<URL> {
    try {
      const url = parseTargetUrl(raw);
      await this.resolve(url);
      return url;
    } catch (error) {
      if (error instanceof TargetRefusedError) throw InvalidInputError.fromProblems([{ field, problem: error.message }]);
      throw error;
    }
  }

  private async lookupWithTimeout(host: string): Promise<ResolvedAddress[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TargetRefusedError(`host ${host} did not resolve within ${LOOKUP_TIMEOUT_MS / 1000} s`)),
        LOOKUP_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([this.lookup(host), timeout]);
    } catch (error) {
      if (error instanceof TargetRefusedError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new TargetRefusedError(`host ${host} does not resolve${code ? ` (${code})` : ''}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
