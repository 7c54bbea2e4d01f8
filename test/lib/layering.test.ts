// The packages of lib/ (its folders; a file directly in lib/ is a package of its own) form layers: a
// package may use the ones below it, never one that uses it back, directly or around a loop. A cycle
// means neither can be changed, tested or understood without the other.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';

const LIB = path.resolve(__dirname, '..', '..', '..', 'lib');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith('.ts') ? [file] : [];
  });
}

function packageOf(file: string): string {
  const parts = path.relative(LIB, file).split(path.sep);
  return parts.length > 1 ? parts[0] : parts[0].replace(/\.ts$/, '');
}

/** Relative specifiers of `import … from`, `export … from`, `import '…'` and `import('…')`. */
function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]*)['"]/g;
  for (const match of source.matchAll(pattern)) specifiers.push(match[1]);
  return specifiers;
}

/** package → package it imports → the files that do it (for a message that says where to look). */
function packageGraph(): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of sourceFiles(LIB)) {
    const from = packageOf(file);
    if (!graph.has(from)) graph.set(from, new Map());
    for (const specifier of importsOf(fs.readFileSync(file, 'utf8'))) {
      const target = path.resolve(path.dirname(file), specifier);
      if (!target.startsWith(LIB + path.sep)) continue;
      const to = packageOf(target + '.ts');
      if (to === from) continue;
      const edges = graph.get(from)!;
      edges.set(to, [...(edges.get(to) ?? []), path.relative(LIB, file)]);
    }
  }
  return graph;
}

/** Every package loop, as the path around it (Tarjan's strongly connected components of size > 1). */
function cycles(graph: Map<string, Map<string, string[]>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return components;
}

it('reads every kind of relative import of a source file', () => {
  const source = [
    "import type { A } from '../store';",
    "import { B } from './b';",
    "export { C } from '../lineage/c';",
    "import './side-effect';",
    "const d = await import('../delivery');",
    "import fs from 'node:fs';",
  ].join('\n');
  assert.deepEqual(importsOf(source), ['../store', './b', '../lineage/c', './side-effect', '../delivery']);
});

it('finds a package loop when there is one', () => {
  const graph = new Map([
    ['a', new Map([['b', ['a/x.ts']]])],
    ['b', new Map([['c', ['b/y.ts']]])],
    ['c', new Map([['a', ['c/z.ts']]])],
    ['d', new Map([['a', ['d/w.ts']]])],
  ]);
  assert.deepEqual(cycles(graph), [['a', 'b', 'c']]);
});

it('no two packages of lib/ import each other, directly or around a loop', () => {
  const graph = packageGraph();
  assert.ok(graph.has('store') && graph.has('processing') && graph.has('lineage'), `lib/ read from ${LIB}`);
  const found = cycles(graph);
  const explain = found.map((component) =>
    component
      .flatMap((from) =>
        [...(graph.get(from) ?? new Map<string, string[]>())]
          .filter(([to]) => component.includes(to))
          .map(([to, files]) => `${from} → ${to} (${[...new Set(files)].join(', ')})`),
      )
      .join('; '),
  );
  assert.deepEqual(explain, []);
});

it('the store is the bottom layer: it uses no other package of lib/ but the errors', () => {
  const used = [...(packageGraph().get('store')?.keys() ?? [])].sort();
  assert.deepEqual(used, ['errors']);
});
