/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`, e.g. `BENCH_PROFILE=<dir> npm run bench`):
 * the top functions by self time, and self time grouped by where the code lives (this service,
 * each package in node_modules, Node's internals, GC, idle).
 *
 *   node dist/bench/profile-summary.js <file.cpuprofile> [top=25] [--from=<s>] [--to=<s>] [--timeline] [--inclusive]
 *
 * `--from`/`--to` keep only the samples taken in that window (seconds after the profile started),
 * so startup and seeding can be left out and only the load is counted.
 */
import * as fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Frame {
  name: string;
  where: string;
  group: string;
  selfMs: number;
}

/** node_modules/<pkg> (scoped packages kept whole), `service` for this repository's code, else a V8/Node bucket. */
function groupOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)') return functionName;
    return '(native)';
  }
  const inModules = url.lastIndexOf('/node_modules/');
  if (inModules >= 0) {
    const parts = url.slice(inModules + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith('node:')) return 'node (internals)';
  if (url.includes('/dist/src/')) return 'service (dist/src)';
  return url;
}

function shortWhere(url: string, line: number): string {
  if (url === '') return '';
  const inModules = url.lastIndexOf('/node_modules/');
  const tail =
    inModules >= 0 ? url.slice(inModules + '/node_modules/'.length) : url.replace(/^.*\/dist\//, 'dist/').replace(/^file:\/\//, '');
  return `${tail}:${line + 1}`;
}

export function summarise(profile: CpuProfile, window: { fromS?: number; toS?: number } = {}): { frames: Frame[]; totalMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  const from = window.fromS === undefined ? -Infinity : profile.startTime + window.fromS * 1e6;
  const to = window.toS === undefined ? Infinity : profile.startTime + window.toS * 1e6;
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t < from || t > to) continue;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + delta);
    totalUs += delta;
  }
  const frames = new Map<string, Frame>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const name = functionName || '(anonymous)';
    const where = shortWhere(url, lineNumber);
    const key = `${name}@${where}`;
    const frame = frames.get(key) ?? { name, where, group: groupOf(url, functionName), selfMs: 0 };
    frame.selfMs += us / 1000;
    frames.set(key, frame);
  }
  return { frames: [...frames.values()].sort((a, b) => b.selfMs - a.selfMs), totalMs: totalUs / 1000 };
}

/** Busy share of each second of the profile, to choose a --from/--to window (the flat-out run is the plateau). */
export function timeline(profile: CpuProfile): number[] {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const busy: number[] = [];
  let t = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    const second = Math.floor(t / 1e6);
    while (busy.length <= second) busy.push(0);
    if (!idle.has(profile.samples[i])) busy[second] += delta;
  }
  return busy.map((us) => Math.round(us / 1e4));
}

/**
 * Total (inclusive) time per function: each sample counts once for every distinct function on its
 * stack, so a guard's or a hook's whole cost shows up in one line.
 */
export function inclusive(profile: CpuProfile, window: { fromS?: number; toS?: number } = {}): Map<string, number> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const from = window.fromS === undefined ? -Infinity : profile.startTime + window.fromS * 1e6;
  const to = window.toS === undefined ? Infinity : profile.startTime + window.toS * 1e6;
  const totals = new Map<string, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t < from || t > to) continue;
    const seen = new Set<string>();
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
      const key = `${functionName || '(anonymous)'} (${shortWhere(url, lineNumber)})`;
      if (seen.has(key)) continue;
      seen.add(key);
      totals.set(key, (totals.get(key) ?? 0) + delta / 1000);
    }
  }
  return totals;
}

function pct(part: number, whole: number): string {
  return `${((part / whole) * 100).toFixed(1).padStart(5)} %`;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
  if (!file) throw new Error('usage: profile-summary.js <file.cpuprofile> [top] [--from=s] [--to=s]');
  const top = Number(args.find((a) => /^\d+$/.test(a)) ?? 25);
  const option = (name: string) => {
    const found = args.find((a) => a.startsWith(`--${name}=`));
    return found === undefined ? undefined : Number(found.slice(name.length + 3));
  };
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const { frames, totalMs } = summarise(profile, { fromS: option('from'), toS: option('to') });
  const busyMs = totalMs - frames.filter((f) => f.name === '(idle)').reduce((s, f) => s + f.selfMs, 0);
  process.stdout.write(
    `${file}: ${(totalMs / 1000).toFixed(1)} s sampled, ${(busyMs / 1000).toFixed(1)} s busy (percentages of busy time)\n\n`,
  );
  process.stdout.write('self %   function (where)\n');
  for (const f of frames.filter((f) => f.name !== '(idle)').slice(0, top)) {
    process.stdout.write(`${pct(f.selfMs, busyMs)}  ${f.name}${f.where ? ` (${f.where})` : ''}\n`);
  }
  const groups = new Map<string, number>();
  for (const f of frames) if (f.name !== '(idle)') groups.set(f.group, (groups.get(f.group) ?? 0) + f.selfMs);
  process.stdout.write('\nself %   by location\n');
  for (const [group, ms] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 15)) process.stdout.write(`${pct(ms, busyMs)}  ${group}\n`);
  if (args.includes('--inclusive')) {
    process.stdout.write('\ntotal %  function (inclusive)\n');
    const totals = [...inclusive(profile, { fromS: option('from'), toS: option('to') })].sort((a, b) => b[1] - a[1]);
    for (const [key, ms] of totals.filter(([key]) => !key.startsWith('(root)')).slice(0, top * 2))
      process.stdout.write(`${pct(ms, busyMs)}  ${key}\n`);
  }
  if (args.includes('--timeline')) process.stdout.write(`\nbusy % per second: ${timeline(profile).join(' ')}\n`);
}
