import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';

// Loaded only by the TypeORM CLI: `npm run migration:run` / `migration:generate` with DATABASE_URL.
const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error('DATABASE_URL must be set for the TypeORM CLI (e.g. postgres://postgres@127.0.0.1:5432/test)');
}

export const CliDataSource = new DataSource(dataSourceOptions(url, 2));
