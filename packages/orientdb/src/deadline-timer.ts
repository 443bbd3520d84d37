/**
 * One timer for many deadlines: due at the earliest deadline it was asked to watch, and left running when the work
 * finishes first (no timer set and cleared per request). When it fires, `onDue` settles whatever is due and returns
 * the next deadline to watch (`Infinity` for none).
 */
export class DeadlineTimer {
  readonly #onDue: (now: number) => number;
  #timer: NodeJS.Timeout | null = null;
  #dueAt = Infinity;

  constructor(onDue: (now: number) => number) {
    this.#onDue = onDue;
  }

  /** Makes sure the timer fires by `deadlineAt` (epoch ms). */
  watch(deadlineAt: number): void {
    if (this.#timer !== null && this.#dueAt <= deadlineAt) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#dueAt = deadlineAt;
    this.#timer = setTimeout(this.#fire, Math.max(0, deadlineAt - Date.now()));
  }

  /** Stops the timer (its owner closed). */
  cancel(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#dueAt = Infinity;
  }

  readonly #fire = (): void => {
    this.#timer = null;
    this.#dueAt = Infinity;
    const next = this.#onDue(Date.now());
    if (next !== Infinity) this.watch(next);
  };
}
