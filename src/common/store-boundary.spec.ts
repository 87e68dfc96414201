import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The layout rule of docs/architecture.md: every SQL statement and repository call of a feature lives
 * in its store (`*.store.ts`) or query module (`*-queries.ts`, `*.queries.ts`). This test reads every
 * other source file under src/ and fails on SQL text, raw queries or repository access there.
 * src/database/ is the infrastructure underneath the stores (migrations runner, embedded server,
 * LISTEN/NOTIFY) and is exempt.
 */

const SRC = path.resolve(__dirname, '..');
const STORE_FILE = /(\.store|[-.]queries)\.ts$/;
const EXEMPT_DIRS = [path.join(SRC, 'database') + path.sep];

const RULES: Array<[name: string, pattern: RegExp]> = [
  ['SQL statement', /\b(SELECT|INSERT|UPDATE|DELETE)\b[\s\S]{0,400}?\b(FROM|INTO|SET)\b/],
  ['raw query', /\.query\s*[<(]/],
  ['repository access', /\b(getRepository|withRepository|createQueryBuilder|InjectRepository)\s*[<(]/],
  ['entity manager call', /\.manager\.(find|findOne|findOneBy|findAndCount|save|insert|update|delete|count)\w*\s*\(/],
];

/** Comments may talk about SQL; only code and strings count. */
export function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

export function violations(source: string): string[] {
  const code = stripComments(source);
  return RULES.filter(([, pattern]) => pattern.test(code)).map(([name]) => name);
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}

describe('store boundary', () => {
  it('should find no SQL, raw query or repository call outside the stores', () => {
    const found = sourceFiles(SRC)
      .filter((file) => !STORE_FILE.test(file) && !EXEMPT_DIRS.some((dir) => file.startsWith(dir)))
      .flatMap((file) => violations(fs.readFileSync(file, 'utf8')).map((rule) => `${path.relative(SRC, file)}: ${rule}`));
    expect(found).toEqual([]);
  });

  it.each([
    ['a SQL template string', 'const SQL = `\n  SELECT id\n    FROM rollouts WHERE id = $1`;'],
    ['an INSERT', "await x('INSERT INTO alerts (kind) VALUES ($1)');"],
    ['an UPDATE', 'run(`UPDATE assignments a SET exposures = 1`);'],
    ['a raw query', 'await this.dataSource.query(sql, []);'],
    ['a typed raw query', 'await this.dataSource.query<Row[]>(sql);'],
    ['a repository', 'const repo = manager.getRepository(AlertEntity);'],
    ['an injected repository', '@InjectRepository(AlertEntity) private readonly alerts: Repository<AlertEntity>'],
    ['an entity manager call', 'await this.dataSource.manager.findAndCount(AlertEntity, {});'],
  ])('should catch %s', (_, source) => {
    expect(violations(source)).not.toEqual([]);
  });

  it.each([
    ['SQL in a block comment', '/** Claimed with FOR UPDATE SKIP LOCKED: SELECT ... FROM deliveries */\nconst x = 1;'],
    ['SQL in a line comment', '// UPDATE assignments SET exposures in one statement\nconst x = 1;'],
    ['HTTP methods', "const METHODS = ['GET', 'POST', 'DELETE', 'OPTIONS'];"],
    ['a URL in a string', "const url = 'http://example.com/select/from';"],
  ])('should allow %s', (_, source) => {
    expect(violations(source)).toEqual([]);
  });
});
