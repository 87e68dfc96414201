import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp, logOpenModeWarning } from './app.setup';
import { ConfigError, loadConfig } from './config/app-config';
import { EmbeddedDatabase, startEmbeddedDatabase } from './database/embedded-database';
import { runMigrations } from './database/migrate';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const logger = new Logger('Bootstrap');
  let embedded: EmbeddedDatabase | null = null;
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

  const app = await createApp(config, databaseUrl);
  logOpenModeWarning(config);

  let shuttingDown = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.log(`${signal} received: draining requests and shutting down`);
    const deadline = setTimeout(() => {
      logger.error('shutdown took longer than 10 s, exiting');
      process.exit(1);
    }, 10_000);
    try {
      // Stops accepting, waits for in-flight requests, then runs every shutdown hook (buffers, pool).
      await app.close();
      await embedded?.stop();
      clearTimeout(deadline);
      process.exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${(error as Error).message}`);
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  logger.log(`experimentation service listening on http://${config.host}:${config.port} (docs at /docs)`);
}

main().catch((error: Error) => {
  process.stderr.write(`Startup failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
