// Summarizes a V8 .cpuprofile (node --cpu-prof, `npm run bench -- --profile`): where the time went, by
// function and by package/file, self time only. Usage: node dist/bench/profile-summary.js FILE [top]
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** A short name for where code lives: a package (with its file) or a file of this checkout. */
function place(url: string): string {
  if (!url) return '(native/vm)';
  const file = url.replace(/^file:\/\//, '');
  const modules = file.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = file.slice(modules + 'node_modules/'.length).split('/');
    const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    return `${name}:${rest.slice(rest[0].startsWith('@') ? 2 : 1).join('/')}`;
  }
  if (file.startsWith('node:')) return file;
  const dist = file.indexOf('/dist/');
  return dist >= 0 ? file.slice(dist + 1) : path.basename(file);
}

export function summarize(profile: Profile, top = 25): string {
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i += 1) selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const where = place(node.callFrame.url);
    const fn = `${node.callFrame.functionName || '(anonymous)'}  ${where}${node.callFrame.url ? `:${node.callFrame.lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const group = where.split(':')[0];
    byPlace.set(group, (byPlace.get(group) ?? 0) + us);
  }
  const lines: string[] = [`total sampled: ${(total / 1e6).toFixed(2)} s`];
  const table = (title: string, map: Map<string, number>) => {
    lines.push('', title);
    for (const [name, us] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      lines.push(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
    }
  };
  table('self time by package / file', byPlace);
  table('self time by function', byFunction);
  return lines.join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/bench/profile-summary.js FILE.cpuprofile [top]');
    process.exit(2);
  }
  console.log(summarize(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile, Number(top) || 25));
}
