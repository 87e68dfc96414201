import { createHash } from 'node:crypto';
import * as path from 'node:path';

/**
 * Where the embedded PostgreSQL's binaries and data go (pure: no I/O, table-tested).
 *
 * As root, PostgreSQL runs as the `postgres` system user. That user must be able to enter every
 * directory from `/` down to the binaries (in node_modules) and to the data. A clone under a private
 * home (`/root`, mode 0700) blocks it: then the binaries are copied, and the data placed, under a
 * state directory that user can reach (decision 030).
 */

/** One directory on the way to a path, as `stat` reports it. */
export interface DirectoryEntry {
  path: string;
  mode: number;
  uid: number;
  gid: number;
}

/** The account PostgreSQL runs as. */
export interface Account {
  uid: number;
  gid: number;
  groups: readonly number[];
}

/** Whether `account` may enter (search, the x bit) the directory `entry`. */
export function canEnter(entry: DirectoryEntry, account: Account): boolean {
  if (account.uid === 0) return true;
  if (entry.uid === account.uid) return (entry.mode & 0o100) !== 0;
  if (entry.gid === account.gid || account.groups.includes(entry.gid)) return (entry.mode & 0o010) !== 0;
  return (entry.mode & 0o001) !== 0;
}

/** The first directory (from `/` down) that `account` cannot enter, or null when all are open to it. */
export function firstBlockedDirectory(chain: readonly DirectoryEntry[], account: Account): DirectoryEntry | null {
  return chain.find((entry) => !canEnter(entry, account)) ?? null;
}

/** Every directory from the root down to `target`, inclusive: `/a/b` → `/`, `/a`, `/a/b`. */
export function directoryChain(target: string): string[] {
  const resolved = path.resolve(target);
  const chain: string[] = [];
  for (let current = resolved; ; current = path.dirname(current)) {
    chain.unshift(current);
    if (path.dirname(current) === current) return chain;
  }
}

export interface PlacementInput {
  /** DATA_DIR, resolved. */
  dataDir: string;
  /** The binaries package's `native` directory (bin/, lib/, share/). */
  nativeDir: string;
  /** The binaries package's version: copies of different versions never mix. */
  version: string;
  /** Where to put what the `postgres` user cannot reach in place. */
  stateRoot: string;
  /** The first directory on the way to the binaries that user cannot enter (null: reachable, or not root). */
  binariesBlockedAt: string | null;
  /** Same for DATA_DIR. */
  dataBlockedAt: string | null;
}

export interface Placement {
  /** The `native` directory PostgreSQL is run from. */
  nativeDir: string;
  /** Set when the binaries must first be copied from `input.nativeDir` to `nativeDir`. */
  copyFrom: string | null;
  /** PostgreSQL's data directory. */
  databaseDir: string;
  /** One line for the log when something is not where DATA_DIR says; null otherwise. */
  notice: string | null;
}

/** A short stable name for a DATA_DIR, so two clones on one machine never share relocated data. */
export function dataDirKey(dataDir: string): string {
  return `${path.basename(dataDir).replace(/[^A-Za-z0-9._-]/g, '_') || 'data'}-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`;
}

export function placeEmbeddedPostgres(input: PlacementInput): Placement {
  const nativeDir =
    input.binariesBlockedAt === null
      ? input.nativeDir
      : path.join(input.stateRoot, `postgresql-${input.version.replace(/[^A-Za-z0-9._-]/g, '_')}`);
  const databaseDir =
    input.dataBlockedAt === null
      ? path.join(input.dataDir, 'postgres')
      : path.join(input.stateRoot, 'data', dataDirKey(input.dataDir), 'postgres');
  const blocked = input.dataBlockedAt ?? input.binariesBlockedAt;
  const notice =
    blocked === null
      ? null
      : `PostgreSQL runs as the "postgres" system user, which cannot enter ${blocked}: its data lives in ${databaseDir}` +
        (input.binariesBlockedAt === null ? '' : ` and its binaries are copied to ${nativeDir}`);
  return { nativeDir, copyFrom: input.binariesBlockedAt === null ? null : input.nativeDir, databaseDir, notice };
}
