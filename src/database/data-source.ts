import * as path from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { SnakeNamingStrategy } from './snake-naming.strategy';

// Compiled: dist/src/database → dist/migrations/*.js; under jest: src/database → migrations/*.ts.
const MIGRATIONS_GLOB = path.join(__dirname, '..', '..', 'migrations', '*.{js,ts}');
const ENTITIES_GLOB = path.join(__dirname, '..', '**', '*.entity.{js,ts}');

/** TCP keepalive on every connection: a peer that vanished (NAT or firewall drop) is noticed in about a minute, not hours. */
export const KEEPALIVE = { keepAlive: true, keepAliveInitialDelayMillis: 10_000 } as const;

/**
 * `queryTimeoutMs` (pg's client-side query_timeout) bounds a query on a connection that went
 * silent, which statement_timeout (enforced by the server) cannot.
 */
export function dataSourceOptions(url: string, poolSize = 10, queryTimeoutMs?: number): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [ENTITIES_GLOB],
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    logging: false,
    extra: {
      max: poolSize,
      // Fail fast instead of queueing forever when PostgreSQL is gone: the request becomes a 503.
      connectionTimeoutMillis: 5000,
      statement_timeout: 30000,
      idle_in_transaction_session_timeout: 60000,
      application_name: 'experimentation-service',
      ...KEEPALIVE,
      ...(queryTimeoutMs === undefined ? {} : { query_timeout: queryTimeoutMs }),
    },
  };
}
