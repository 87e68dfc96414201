import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Just enough of a Dockerfile interpreter to replay this project's Dockerfile without a Docker engine
 * (issue 13 item 5): the instructions, the build context as .dockerignore filters it, and COPY with
 * Docker's rules (a directory source copies its contents; several sources or a trailing / make the
 * destination a directory).
 */
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): { global: Instruction[]; stages: Stage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    if (pending === '' && /^\s*(#|$)/.test(raw)) continue;
    if (raw.endsWith('\\')) {
      pending += `${raw.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + raw);
    pending = '';
  }
  const global: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of logical) {
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`unparsable Dockerfile line: ${line}`);
    const instruction = { keyword: match[1].toUpperCase(), args: match[2].trim() };
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(/\s+/);
      stages.push({ name: as?.toUpperCase() === 'AS' ? name : String(stages.length), image, instructions: [] });
    } else if (stages.length === 0) {
      global.push(instruction);
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { global, stages };
}

export interface CopyArgs {
  from: string | null;
  chown: string | null;
  sources: string[];
  destination: string;
}

export function parseCopy(args: string): CopyArgs {
  if (args.startsWith('[')) throw new Error('COPY in JSON form is not replayed');
  const tokens = args.split(/\s+/);
  const flags = tokens.filter((token) => token.startsWith('--'));
  const paths = tokens.filter((token) => !token.startsWith('--'));
  const flag = (name: string): string | null => flags.find((f) => f.startsWith(`--${name}=`))?.slice(name.length + 3) ?? null;
  const unknown = flags.filter((f) => !/^--(from|chown)=/.test(f));
  if (unknown.length > 0) throw new Error(`COPY flags not replayed: ${unknown.join(' ')}`);
  return { from: flag('from'), chown: flag('chown'), sources: paths.slice(0, -1), destination: paths[paths.length - 1] };
}

/** ENV in `A=1 B=2` form (quotes not supported: the Dockerfile does not need them). */
export function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of args.split(/\s+/)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`ENV in KEY VALUE form is not replayed: ${args}`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** .dockerignore as Docker reads it: patterns relative to the context root, `*` within one path segment, `**` across. */
export function dockerignore(text: string): (relative: string) => boolean {
  const patterns = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (patterns.some((p) => p.startsWith('!'))) throw new Error('.dockerignore negations are not replayed');
  const regexes = patterns.map((pattern) => {
    const body = pattern
      .replace(/^\/+|\/+$/g, '')
      .split(/(\*\*\/|\*\*|\*|\?)/)
      .map((part) =>
        part === '**/'
          ? '(?:.*/)?'
          : part === '**'
            ? '.*'
            : part === '*'
              ? '[^/]*'
              : part === '?'
                ? '[^/]'
                : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
      )
      .join('');
    // A pattern that matches a directory excludes everything under it.
    return new RegExp(`^${body}(?:/.*)?$`);
  });
  return (relative) => regexes.some((regex) => regex.test(relative));
}

/** Copies `source` (file or directory) from the build context, leaving out what .dockerignore excludes. */
export function copyFromContext(context: string, source: string, target: string, ignored: (relative: string) => boolean): void {
  const relative = path.posix
    .normalize(source)
    .replace(/^\.\/?/, '')
    .replace(/\/$/, '');
  if (relative !== '' && ignored(relative)) throw new Error(`COPY ${source}: excluded by .dockerignore, Docker would not find it`);
  const absolute = path.join(context, relative);
  if (!fs.existsSync(absolute)) throw new Error(`COPY ${source}: not in the build context (a fresh clone)`);
  const walk = (rel: string, from: string, to: string): void => {
    if (fs.lstatSync(from).isDirectory()) {
      fs.mkdirSync(to, { recursive: true });
      for (const entry of fs.readdirSync(from)) {
        const child = rel === '' ? entry : `${rel}/${entry}`;
        if (!ignored(child)) walk(child, path.join(from, entry), path.join(to, entry));
      }
    } else {
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.cpSync(from, to, { verbatimSymlinks: true });
    }
  };
  walk(relative, absolute, target);
}

/** Where a COPY source lands: a directory's contents into the destination; a file into it when it is a directory. */
export function copyTarget(sourceAbsolute: string, destination: string, destinationIsDirectory: boolean): string {
  return fs.lstatSync(sourceAbsolute).isDirectory() || !destinationIsDirectory
    ? destination
    : path.join(destination, path.basename(sourceAbsolute));
}
