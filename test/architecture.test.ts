/**
 * The layout's rules, checked on the import graph of the sources (TypeScript's own import
 * scanner, no build): no import loop anywhere; every arrow points down the floors
 * (client and console → devstack → worker → activities → workflows → src); the emulator imports
 * nothing of the product; activities/ holds activity factories and what they are built from.
 * The knex rule (only src/store/ knows tables) is an eslint rule: eslint.config.mjs.
 */
import * as fs from 'fs';
import * as path from 'path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const FOLDERS = ['client', 'console', 'devstack', 'worker', 'activities', 'workflows', 'src', 'emulator'];
/** Higher floors may import lower ones, never the reverse. */
const FLOOR: Record<string, number> = { client: 6, console: 6, devstack: 5, worker: 4, activities: 3, workflows: 2, src: 1 };

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function resolveImport(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(candidate)) return candidate;
  return null;
}

/** File → the project files it imports (type-only imports included: they are arrows too). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of FOLDERS.flatMap((f) => sourceFiles(path.join(ROOT, f)))) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    graph.set(file, info.importedFiles.map((i) => resolveImport(file, i.fileName)).filter((f): f is string => f !== null));
  }
  return graph;
}

const rel = (f: string) => path.relative(ROOT, f);
const folderOf = (f: string) => rel(f).split(path.sep)[0];

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function loops(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.map(rel).sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

const graph = importGraph();

test('the import graph is read (the scanner finds the product)', () => {
  expect(graph.size).toBeGreaterThan(100);
  expect(graph.get(path.join(ROOT, 'activities/index.ts'))?.map(rel)).toContain('activities/reconcile.ts');
});

test('no import loop anywhere', () => {
  expect(loops(graph)).toEqual([]);
});

test('every import arrow points down the floors', () => {
  const up: string[] = [];
  for (const [file, imports] of graph) {
    const from = FLOOR[folderOf(file)];
    if (from === undefined) continue;
    for (const target of imports) {
      const to = FLOOR[folderOf(target)];
      if (to !== undefined && to > from) up.push(`${rel(file)} → ${rel(target)}`);
    }
  }
  expect(up).toEqual([]);
});

test('the emulator imports nothing of the product', () => {
  const outside = [...graph].flatMap(([file, imports]) => (folderOf(file) === 'emulator' ? imports.filter((t) => folderOf(t) !== 'emulator').map((t) => `${rel(file)} → ${rel(t)}`) : []));
  expect(outside).toEqual([]);
});

test('the CLI imports no activity module', () => {
  const bad = [...graph].flatMap(([file, imports]) => (folderOf(file) === 'client' ? imports.filter((t) => folderOf(t) === 'activities').map((t) => `${rel(file)} → ${rel(t)}`) : []));
  expect(bad).toEqual([]);
});

test('activities/ holds activity factories (and the deps and Temporal context they are built with)', () => {
  const support = new Set(['index.ts', 'deps.ts', 'context.ts', 'health.ts']);
  const others = sourceFiles(path.join(ROOT, 'activities')).filter((f) => !support.has(path.basename(f)));
  expect(others.length).toBeGreaterThan(0);
  for (const file of others) {
    const text = fs.readFileSync(file, 'utf8');
    const exported = [...text.matchAll(/^export (?:async )?(?:function|const|class) (\w+)/gm)].map((m) => m[1]);
    expect({ file: rel(file), exported }).toEqual({ file: rel(file), exported: exported.filter((name) => /^create\w+Activities$/.test(name)) });
    expect(exported.length).toBeGreaterThan(0);
  }
});
