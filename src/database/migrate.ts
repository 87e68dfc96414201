import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';

// Arbitrary constant shared by every replica: only one of them migrates at a time.
const MIGRATION_LOCK_KEY = 7_263_540_981;

/**
 * Applies pending migrations under a PostgreSQL advisory lock, so replicas starting together never
 * run the same migration twice; the others wait and then find nothing pending.
 */
export async function runMigrations(url: string): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions(url, 2));
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((migration) => migration.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
    await dataSource.destroy();
  }
}
