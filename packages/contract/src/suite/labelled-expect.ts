import type { ContractAssertion } from './api.js';
import { ContractViolation } from './violation.js';

const MATCHERS = [
  'toBe',
  'toEqual',
  'toBeNull',
  'toBeTruthy',
  'toBeGreaterThan',
  'toMatch',
  'toContain',
  'toHaveLength',
] as const;

/**
 * Calls the runner's `expect` with one argument, as every Jest-compatible runner accepts (Jest's own refuses a
 * second), and puts the label in front of a failure's message instead.
 */
export function labelledExpect(
  expect: (actual: unknown) => ContractAssertion,
): (actual: unknown, label?: string) => ContractAssertion {
  return (actual, label) => {
    const assertion = expect(actual);
    return label === undefined ? assertion : labelled(() => assertion, label);
  };
}

function labelled(assertion: () => ContractAssertion, label: string): ContractAssertion {
  const wrapped: Record<string, unknown> = {};
  for (const matcher of MATCHERS) {
    wrapped[matcher] = (expected?: unknown) => {
      try {
        (assertion()[matcher] as (expected?: unknown) => void)(expected);
      } catch (error) {
        throw withLabel(error, label);
      }
    };
  }
  Object.defineProperty(wrapped, 'not', { get: () => labelled(() => assertion().not, label) });
  return wrapped as unknown as ContractAssertion;
}

/** The runner's own error (so its diff still shows), with the label in front of its message. */
function withLabel(error: unknown, label: string): unknown {
  if (error instanceof Error) {
    try {
      error.message = `${label}: ${error.message}`;
      return error;
    } catch {
      // A read-only message: fall through to a wrapping error.
    }
  }
  return new ContractViolation(`${label}: ${String(error)}`, { cause: error });
}
