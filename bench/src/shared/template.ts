// Report prose lives in Markdown templates beside the code that fills them: `{{a.b}}` takes a value from the figures.
import { readFileSync } from 'node:fs';

export interface FillOptions {
  /** How a number is written. */
  readonly format: (value: number) => string;
  /** What a placeholder without a string or number value becomes; without it, such a placeholder is an error. */
  readonly missing?: (path: string) => string;
}

/** The template `name` in the folder `dir` (a `file:` URL, e.g. `new URL('.', import.meta.url)`). */
export function readTemplate(dir: URL, name: string): string {
  return readFileSync(new URL(name, dir), 'utf8');
}

/**
 * Replaces each `{{path}}` with the value at the dotted `path` in `values` (a string as it is, a number through
 * `format`). A placeholder that filled in nothing would leave blank lines behind; runs of them become one.
 */
export function fillTemplate(template: string, values: object, options: FillOptions): string {
  const filled = template.replaceAll(/\{\{([A-Za-z0-9_.]+)\}\}/g, (_whole, path: string) => {
    let value: unknown = values;
    for (const part of path.split('.')) {
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    }
    if (typeof value === 'number') return options.format(value);
    if (typeof value === 'string') return value;
    if (options.missing) return options.missing(path);
    throw new Error(`the template has no value for {{${path}}}`);
  });
  return filled.replaceAll(/\n{3,}/g, '\n\n');
}
