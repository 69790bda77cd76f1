// Checks on the files in web/ that need no browser: the service worker keeps exactly the
// application's files (a file missing from its list would be missing offline), and every page
// names its whole module graph in `<link rel="modulepreload">` (the browser then fetches the
// modules at once, not one import level per round trip — on a mobile network 150 ms each).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const WEB = path.resolve(import.meta.dirname, '../../web');
const read = (file) => fs.readFileSync(path.join(WEB, file), 'utf8');
const files = fs.readdirSync(WEB, { recursive: true }).map((f) => f.split(path.sep).join('/'));

test('the service worker keeps every file of the application, and only those', () => {
  const listed = JSON.parse(read('sw.js').match(/const SHELL = (\[[\s\S]*?\]);/)[1]
    .replace(/'/g, '"').replace(/,\s*\]/, ']'));
  const expected = files
    .filter((f) => /\.(html|js|css|png|svg|ico|webmanifest)$/.test(f) && f !== 'sw.js')
    .map((f) => `/${f}`.replace(/(^|\/)index\.html$/, '$1'));
  assert.deepEqual([...listed].sort(), expected.sort());
});

/** The modules `file` imports statically (dynamic `import()` loads later, on purpose). */
function imports(file) {
  return [...read(file).matchAll(/^import\s[^;]*?from\s*'([^']+)'|^import\s*'([^']+)'/gm)]
    .map((m) => path.posix.join(path.posix.dirname(file), m[1] ?? m[2]));
}

function graph(entry, seen = new Set()) {
  for (const dependency of imports(entry)) {
    if (!seen.has(dependency)) {
      seen.add(dependency);
      graph(dependency, seen);
    }
  }
  return seen;
}

test('every page preloads its whole module graph', () => {
  for (const page of files.filter((f) => f.endsWith('.html'))) {
    const html = read(page);
    const entry = html.match(/<script type="module" src="\/([^"]+)">/)?.[1];
    if (!entry) continue;
    const preloaded = [...html.matchAll(/<link rel="modulepreload" href="\/([^"]+)">/g)].map((m) => m[1]).sort();
    const needed = [...graph(entry)].filter((f) => f !== entry).sort();
    assert.deepEqual(preloaded, needed, `${page}: the modulepreload links should be:\n${needed.map((f) => `  <link rel="modulepreload" href="/${f}">`).join('\n')}`);
  }
});
