import * as ipaddr from 'ipaddr.js';
import * as path from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Everything the service reads from the environment, validated once at boot. */
export interface AppConfig {
  nodeEnv: string;
  production: boolean;
  host: string;
  port: number;
  /** Unset → an embedded PostgreSQL is started with its data in `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  dbMigrate: boolean;
  dbPoolSize: number;
  adminToken: string | null;
  clientTokens: string[];
  /** No token configured outside production: every route is open (logged loudly at startup). */
  openMode: boolean;
  rolloutTickSeconds: number;
  rolloutWebhookUrl: string | null;
  logLevel: LogLevel;
  rateLimitPerMinute: number;
  corsOrigins: string[] | true | false;
  resultsCacheSeconds: number;
  /** Signs deliveries to the legacy rollout `webhookUrl` / ROLLOUT_WEBHOOK_URL; unset → unsigned (docs/webhooks.md). */
  webhookSecret: string | null;
  /** Lets webhooks target loopback and private addresses (local development, tests); never link-local. */
  webhookAllowPrivate: boolean;
  webhookTickSeconds: number;
  webhookTimeoutSeconds: number;
  /** Where people reach the dashboard, for links in notifications. */
  publicUrl: string | null;
  analysisTickSeconds: number;
  /** Fastify's trustProxy: false (socket address), true, a hop count, or addresses/CIDRs of trusted proxies. */
  trustProxy: TrustProxy;
  /** Failed authentications (missing or invalid token) per socket address per minute before 429. */
  authFailuresPerMinute: number;
  /** Oldest accepted event timestamp, in days before now. */
  eventBackfillDays: number;
  /** Memory budget of all per-user caches (known assignments, exposure buffer keys), in MiB. */
  userCacheMb: number;
  /** Whole-request (headers and body) deadline; a body trickled slowly is cut off after it. */
  requestTimeoutSeconds: number;
  /** PostgreSQL statement deadline on the pool (pg's query_timeout). */
  dbQueryTimeoutSeconds: number;
}

export type TrustProxy = boolean | number | string[];

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function present(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function positiveNumber(env: Env, name: string, fallback: number): number {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`${name} must be a number > 0, got "${raw}"`);
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(lower)) return true;
  if (['false', '0', 'no', 'off'].includes(lower)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: readonly string[]): string | null {
  const raw = present(env, name);
  if (raw === undefined) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL (${protocols.join(' or ')}), got an unparsable value`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw;
}

/** A positive number of seconds up to `max` (timers take at most ~24.8 days, and a webhook timeout of hours helps no one). */
function seconds(env: Env, name: string, fallback: number, max: number): number {
  const value = positiveNumber(env, name, fallback);
  if (value > max) throw new ConfigError(`${name} must be at most ${max} seconds, got "${present(env, name)}"`);
  return value;
}

/** Standard Webhooks secrets: `whsec_` + base64 of 24–64 random bytes. */
function webhookSecret(env: Env, name: string): string | null {
  const raw = present(env, name);
  if (raw === undefined) return null;
  const key = raw.startsWith('whsec_') ? raw.slice('whsec_'.length) : '';
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(key) && key.length % 4 === 0 ? Buffer.from(key, 'base64').length : 0;
  if (bytes < 24 || bytes > 64) {
    throw new ConfigError(
      `${name} must be whsec_ followed by the base64 of 24 to 64 random bytes (e.g. node -e "console.log('whsec_' + require('crypto').randomBytes(32).toString('base64'))")`,
    );
  }
  return raw;
}

/** Words that mark a token someone copied from a file anyone can read (compose, docs, examples). */
export const PLACEHOLDER_TOKEN_MARKERS: readonly string[] = [
  'change-me',
  'changeme',
  'change_me',
  'example',
  'placeholder',
  'dev-',
  'your-',
];
export const PRODUCTION_TOKEN_MIN_LENGTH = 32;

/** Outside production a short token is fine (local runs, tests); in production it must be long and not a placeholder. */
function checkToken(name: string, token: string, production: boolean): void {
  if (!production) {
    if (token.length < 8) throw new ConfigError(`${name} tokens must be at least 8 characters long`);
    return;
  }
  const marker = PLACEHOLDER_TOKEN_MARKERS.find((word) => token.toLowerCase().includes(word));
  if (marker !== undefined) {
    throw new ConfigError(
      `${name} looks like a placeholder (it contains "${marker}"): refusing it when NODE_ENV=production; generate one with: openssl rand -hex 32`,
    );
  }
  if (token.length < PRODUCTION_TOKEN_MIN_LENGTH) {
    throw new ConfigError(
      `${name} tokens must be at least ${PRODUCTION_TOKEN_MIN_LENGTH} characters long when NODE_ENV=production (got ${token.length}); generate one with: openssl rand -hex 32`,
    );
  }
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** TRUST_PROXY: unset/false → socket address; true; a hop count; or comma-separated IPs/CIDRs (or loopback, linklocal, uniquelocal). */
function trustProxy(env: Env, name: string): TrustProxy {
  const raw = present(env, name);
  if (raw === undefined) return false;
  const lower = raw.toLowerCase();
  if (['false', 'off', 'no'].includes(lower)) return false;
  if (['true', 'on', 'yes'].includes(lower)) return true;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops < 1 || hops > 32) throw new ConfigError(`${name} as a hop count must be from 1 to 32, got "${raw}"`);
    return hops;
  }
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const ok = PROXY_NAMES.includes(entry) || ipaddr.isValid(entry) || (entry.includes('/') && ipaddr.isValidCIDR(entry));
    if (!ok) {
      throw new ConfigError(
        `${name} must be true, false, a hop count, or comma-separated IP addresses / CIDRs (e.g. 10.0.0.0/8,127.0.0.1), got "${entry}"`,
      );
    }
  }
  return entries;
}

export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = present(env, 'NODE_ENV') ?? 'development';
  const production = nodeEnv === 'production';
  const adminToken = present(env, 'ADMIN_TOKEN') ?? null;
  const clientTokens = (present(env, 'CLIENT_TOKENS') ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token.length > 0);
  if (production && adminToken === null) {
    throw new ConfigError('ADMIN_TOKEN is required when NODE_ENV=production (refusing to run without auth)');
  }
  for (const [name, token] of [['ADMIN_TOKEN', adminToken] as const, ...clientTokens.map((t) => ['CLIENT_TOKENS', t] as const)]) {
    if (token !== null) checkToken(name, token, production);
  }

  const logLevel = (present(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  const cors = present(env, 'CORS_ORIGINS');
  const corsOrigins: AppConfig['corsOrigins'] =
    cors === undefined
      ? false
      : cors === '*'
        ? true
        : cors
            .split(',')
            .map((origin) => origin.trim())
            .filter(Boolean);
  // Browsers send `Origin: https://host[:port]` exactly; anything else in the list would never match.
  for (const origin of Array.isArray(corsOrigins) ? corsOrigins : []) {
    if (!/^https?:\/\/[^/?#\s]+$/.test(origin)) {
      throw new ConfigError(`CORS_ORIGINS must be * or comma-separated origins like https://app.example.com, got "${origin}"`);
    }
  }

  const openMode = !production && adminToken === null && clientTokens.length === 0;
  return {
    nodeEnv,
    production,
    // Open mode answers everyone without a token: only this machine reaches it unless HOST says otherwise.
    host: present(env, 'HOST') ?? (openMode ? '127.0.0.1' : '0.0.0.0'),
    port: integer(env, 'PORT', 3000, 0, 65535),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir: path.resolve(present(env, 'DATA_DIR') ?? './.data'),
    dbMigrate: boolean(env, 'DB_MIGRATE', true),
    dbPoolSize: integer(env, 'DB_POOL_SIZE', 20, 1, 1000),
    adminToken,
    clientTokens,
    openMode,
    // ≥ 1 s so a typo cannot turn the scheduler into a busy loop; ≤ 1 h so stages still advance on time.
    rolloutTickSeconds: integer(env, 'ROLLOUT_TICK_SECONDS', 60, 1, 3600),
    rolloutWebhookUrl: url(env, 'ROLLOUT_WEBHOOK_URL', ['http:', 'https:']),
    logLevel: logLevel as LogLevel,
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 600000, 1, 1_000_000_000),
    corsOrigins,
    resultsCacheSeconds: integer(env, 'RESULTS_CACHE_SECONDS', 30, 0, 86400),
    webhookSecret: webhookSecret(env, 'WEBHOOK_SECRET'),
    webhookAllowPrivate: boolean(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    webhookTickSeconds: seconds(env, 'WEBHOOK_TICK_SECONDS', 1, 3600),
    webhookTimeoutSeconds: seconds(env, 'WEBHOOK_TIMEOUT_SECONDS', 10, 300),
    publicUrl: url(env, 'PUBLIC_URL', ['http:', 'https:']),
    analysisTickSeconds: integer(env, 'ANALYSIS_TICK_SECONDS', 300, 10, 86400),
    trustProxy: trustProxy(env, 'TRUST_PROXY'),
    authFailuresPerMinute: integer(env, 'AUTH_FAILURES_PER_MINUTE', 60, 1, 1_000_000),
    eventBackfillDays: integer(env, 'EVENT_BACKFILL_DAYS', 90, 1, 3650),
    userCacheMb: integer(env, 'USER_CACHE_MB', 64, 1, 65536),
    requestTimeoutSeconds: integer(env, 'REQUEST_TIMEOUT_SECONDS', 30, 1, 3600),
    dbQueryTimeoutSeconds: integer(env, 'DB_QUERY_TIMEOUT_SECONDS', 60, 1, 86400),
  };
}
