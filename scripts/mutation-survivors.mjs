// Lists the mutants of the last `pnpm test:mutation` run that no test killed (Survived, NoCoverage), by file and line,
// with the score. Usage: node scripts/mutation-survivors.mjs [reports/mutation/mutation.json]
import { readFileSync } from 'node:fs';

const path = process.argv[2] ?? 'reports/mutation/mutation.json';
const report = JSON.parse(readFileSync(path, 'utf8'));
const LIVE = new Set(['Survived', 'NoCoverage']);
const DETECTED = new Set(['Killed', 'Timeout']);
const VALID = new Set([...LIVE, ...DETECTED]);

let detected = 0;
let valid = 0;
for (const [file, { source, mutants }] of Object.entries(report.files)) {
  const lines = source.split('\n');
  const live = mutants
    .filter((m) => LIVE.has(m.status))
    .sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
  const counted = mutants.filter((m) => VALID.has(m.status));
  const killed = counted.filter((m) => DETECTED.has(m.status)).length;
  detected += killed;
  valid += counted.length;
  console.log(`\n${file}: ${killed}/${counted.length} detected, ${live.length} live`);
  for (const m of live) {
    const { line, column } = m.location.start;
    const original = lines[line - 1]?.trim() ?? '';
    const replacement = (m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 100);
    console.log(`  ${line}:${column} ${m.status} ${m.mutatorName}  ${original.slice(0, 100)}`);
    console.log(`      -> ${replacement}`);
  }
}
console.log(`\nscore ${((100 * detected) / valid).toFixed(2)} % (${detected}/${valid} detected)`);

// Which test files the kills came from (`killedBy`; Stryker stops at the first failing test, so this is the first killer).
const fileOfTest = new Map();
for (const [file, { tests }] of Object.entries(report.testFiles ?? {}))
  for (const t of tests) fileOfTest.set(t.id, file);
if (fileOfTest.size > 0) {
  const onlyBy = new Map();
  for (const { mutants } of Object.values(report.files)) {
    for (const m of mutants) {
      if (m.status !== 'Killed' || !m.killedBy?.length) continue;
      const files = new Set(m.killedBy.map((id) => fileOfTest.get(id) ?? '?'));
      if (files.size === 1) {
        const [only] = files;
        onlyBy.set(only, (onlyBy.get(only) ?? 0) + 1);
      }
    }
  }
  for (const [file, n] of onlyBy) console.log(`killed first by a test in ${file}: ${n}`);
}
