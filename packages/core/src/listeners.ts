import type { SessionChangeEvent, SessionChangeListener } from './types.js';

/**
 * The listener set behind `onChange`. A listener that throws cannot break the operation that emitted the
 * event: its error goes to `onListenerError` (by default written to stderr without the event's tokens).
 */
export class SessionChangeListeners {
  readonly #listeners = new Set<SessionChangeListener>();
  readonly #onListenerError: (error: unknown) => void;

  constructor(
    onListenerError: (error: unknown) => void = (error) =>
      console.error('sessiontoken: an onChange listener threw', error),
  ) {
    this.#onListenerError = onListenerError;
  }

  /** Adds a listener; returns its unsubscribe function (idempotent). */
  add(listener: SessionChangeListener): () => void {
    // Wrapped so that subscribing the same function twice gives two independent subscriptions.
    const entry: SessionChangeListener = (event) => listener(event);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** Calls every listener with `event`, in subscription order. */
  emit(event: SessionChangeEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  }

  /** Number of current listeners. */
  get size(): number {
    return this.#listeners.size;
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
