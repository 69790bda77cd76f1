// Runs Lighthouse `runs` times on each URL (one after the other, never in parallel: the
// machine's load moves the scores) and prints the median of each category score and metric
// as a Markdown table. Called by scripts/lighthouse.sh:
//   node lighthouse-median.mjs LIGHTHOUSE_BIN OUT_DIR RUNS URL...
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const [bin, outDir, runsText, ...urls] = process.argv.slice(2);
const runs = Number(runsText);
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
const METRICS = [
  ['first-contentful-paint', 'FCP s', 1000], ['largest-contentful-paint', 'LCP s', 1000],
  ['total-blocking-time', 'TBT ms', 1], ['cumulative-layout-shift', 'CLS', null], ['speed-index', 'SI s', 1000],
];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const rows = [];
const failures = [];
for (const url of urls) {
  const results = [];
  for (let run = 1; run <= runs; run += 1) {
    const name = `${new URL(url).pathname.replace(/\W+/g, '_') || 'root'}-${run}.json`;
    const file = path.join(outDir, name);
    execFileSync(bin, [url, '--quiet', '--output=json', `--output-path=${file}`,
      `--only-categories=${CATEGORIES.join(',')}`,
      '--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking'],
    { stdio: ['ignore', 'inherit', 'inherit'] });
    const report = JSON.parse(fs.readFileSync(file, 'utf8'));
    results.push(report);
    const scores = CATEGORIES.map((c) => Math.round(report.categories[c].score * 100)).join('/');
    console.error(`${url} run ${run}: ${scores}, CLS ${report.audits['cumulative-layout-shift'].numericValue.toFixed(3)}`);
  }
  const row = { page: new URL(url).pathname + (new URL(url).search ? '?id=…' : '') };
  for (const c of CATEGORIES) row[c] = median(results.map((r) => Math.round(r.categories[c].score * 100)));
  for (const [id, label, unit] of METRICS) {
    const value = median(results.map((r) => r.audits[id].numericValue));
    row[label] = unit ? (unit === 1000 ? (value / 1000).toFixed(2) : Math.round(value)) : value.toFixed(3);
  }
  // What kept a category below 100 in the median run, for the reader to fix.
  const lost = new Set();
  for (const r of results) {
    for (const c of ['accessibility', 'best-practices', 'seo']) {
      for (const ref of r.categories[c].auditRefs) {
        const audit = r.audits[ref.id];
        if (ref.weight > 0 && audit.score !== null && audit.score < 1) lost.add(`${c}: ${ref.id}`);
      }
    }
  }
  row.lost = [...lost].join(', ');
  rows.push(row);
  if (row.performance < 95 || row.accessibility < 100 || row['best-practices'] < 100 || row.seo < 100 || Number(row.CLS) >= 0.1) {
    failures.push(row.page);
  }
}

const header = ['page', ...CATEGORIES, ...METRICS.map(([, label]) => label)];
console.log(`Lighthouse ${JSON.parse(fs.readFileSync(path.join(outDir, fs.readdirSync(outDir)[0]), 'utf8')).lighthouseVersion}, mobile defaults, median of ${runs} runs`);
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const row of rows) console.log(`| ${header.map((h) => row[h]).join(' | ')} |`);
for (const row of rows) if (row.lost) console.log(`${row.page}: below 100 in some run: ${row.lost}`);
if (failures.length > 0) {
  console.log(`below target (performance ≥ 95, the others 100, CLS < 0.1): ${failures.join(', ')}`);
  process.exitCode = 1;
}
