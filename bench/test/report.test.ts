import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReliabilityDoc, type ReliabilityResults } from '../src/faults/report.ts';
import { fromJson, markdown } from '../src/measurements/report.ts';
import { RESULTS_DIR } from '../src/shared/config.ts';
import { fillTemplate } from '../src/shared/template.ts';

const format = (value: number): string => value.toFixed(1);

describe('fillTemplate', () => {
  it('fills dotted paths, strings as they are and numbers through format', () => {
    const out = fillTemplate('a {{x.y}} b {{s}} c {{x.z}}', { x: { y: 1.25, z: 'z' }, s: '{{s}}' }, { format });
    // A value is inserted once: a placeholder inside a value stays text.
    expect(out).toBe('a 1.3 b {{s}} c z');
  });

  it('refuses a placeholder without a value, unless told what to write', () => {
    expect(() => fillTemplate('{{nope.deeper}}', { nope: 3 }, { format })).toThrow('{{nope.deeper}}');
    expect(fillTemplate('{{nope}}', {}, { format, missing: (path) => `(no ${path})` })).toBe('(no nope)');
  });

  it('leaves at most one blank line where a placeholder filled in nothing', () => {
    expect(fillTemplate('a\n\n{{empty}}\n\nb\n', { empty: '' }, { format })).toBe('a\n\nb\n');
  });
});

describe('the generated docs', () => {
  // Rendered from the saved results alone: a template that names a figure the report does not fill fails here.
  it('docs/benchmarks.md renders from latest.json with every placeholder filled', () => {
    const saved = JSON.parse(readFileSync(join(RESULTS_DIR, 'latest.json'), 'utf8')) as Record<string, unknown>;
    const rendered = markdown(fromJson(saved), join(import.meta.dirname, '..', 'src', 'measurements', 'notes.md'));
    expect(rendered).toMatch(/^# Benchmarks\n/);
    expect(rendered).not.toMatch(/\{\{|\}\}/);
  });

  it('docs/reliability.md renders from reliability.json with every placeholder filled', () => {
    const saved = JSON.parse(readFileSync(join(RESULTS_DIR, 'reliability.json'), 'utf8')) as ReliabilityResults;
    const rendered = renderReliabilityDoc(saved);
    expect(rendered).toMatch(/^# Reliability: /);
    expect(rendered).not.toMatch(/\{\{|\}\}/);
  });
});
