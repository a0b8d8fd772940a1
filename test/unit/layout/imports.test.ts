import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAYERS } from './layers.js';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : /\.(ts|mts)$/.test(e) ? [p] : [];
  });
}

/** Relative specifiers of static imports, re-exports and literal dynamic imports (type-only ones count too). */
function importsOf(source: string): string[] {
  const re = /(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  return [...source.matchAll(re)].map((m) => (m[1] ?? m[2])!);
}

const layerOf = (file: string): string | undefined => {
  const parts = relative(SRC, file).split('/');
  return parts.length > 1 ? parts[0] : undefined; // files at src/ itself (the public API) may import anything
};

test('importsOf finds static, type-only, re-exported and dynamic imports, and nothing in strings or packages', () => {
  const src = [
    "import { a } from './a.js';",
    "import type { B } from '../b/b.js';",
    "export { c } from './c.js';",
    "const d = await import('../d/index.js');",
    "import * as tf from '@tensorflow/tfjs';",
    "const s = 'from \"./not-an-import.js\"';",
  ].join('\n');
  assert.deepEqual(importsOf(src), ['./a.js', '../b/b.js', './c.js', '../d/index.js']);
});

test('every top-level folder of src/ is a layer, and no module imports from a higher layer', () => {
  const folders = readdirSync(SRC).filter((e) => statSync(join(SRC, e)).isDirectory()).sort();
  assert.deepEqual(folders, [...LAYERS].sort(), 'a new folder of src/ gets its place in test/unit/layout/layers.ts');
  const rank = new Map<string, number>(LAYERS.map((l, i) => [l, i]));
  const upward: string[] = [];
  for (const file of walk(SRC)) {
    const from = layerOf(file);
    if (!from) continue;
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const to = layerOf(resolve(dirname(file), spec));
      if (to && rank.get(to)! > rank.get(from)!) upward.push(`${relative(SRC, file)} imports ${spec} (${from} → ${to})`);
    }
  }
  assert.deepEqual(upward, [], `upward imports (the order is in test/unit/layout/layers.ts):\n${upward.join('\n')}`);
});
