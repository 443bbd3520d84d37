import { Worker } from 'node:worker_threads';

/** scrypt's cost options as `node:crypto` takes them. */
export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/**
 * The CPU priority of hashing threads (`nice` 10): where a core is contended, a hash gets about a tenth of it and the
 * event loop the rest; hashes still finish on a machine busy with other work, as they would not at 19.
 */
export const HASHING_THREAD_NICE = 10;

// The worker, as source run with `eval` (so it is the same file under the bundle, the sources and any bundler of the
// package's users). CommonJS, as eval workers are. On Linux a thread has its own priority: the worker lowers its own
// (the thread id comes from /proc/thread-self) and keeps running where that is not possible. Answers carry no input,
// and an error only its message, which scrypt never builds from the password.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
let lowered = false;
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) { require('node:os').setPriority(tid, ${HASHING_THREAD_NICE}); lowered = true; }
} catch {}
parentPort.postMessage({ ready: true, lowered });
parentPort.on('message', (job) => {
  try {
    const key = scryptSync(job.password, Buffer.from(job.salt), job.keyLength, job.options);
    parentPort.postMessage({ id: job.id, key: new Uint8Array(key) });
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: error instanceof Error ? error.message : 'scrypt failed' });
  }
});
`;

interface Job {
  readonly id: number;
  readonly resolve: (key: Buffer) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  job: Job | null;
}

type WorkerAnswer =
  | { readonly ready: true; readonly lowered: boolean }
  | { readonly id: number; readonly key: Uint8Array }
  | { readonly id: number; readonly error: string };

/**
 * scrypt in worker threads at a low CPU priority ({@link HASHING_THREAD_NICE}), one hash per worker at a time: password hashing takes neither
 * libuv's thread pool (which JWT verification, DNS and file I/O share) nor a core's time from the event loop when
 * both want it. Workers start on first use, do not keep the process alive, and end with {@link close}. The caller
 * bounds concurrency (the password hasher's queue); a worker that dies is replaced and its hash rejects.
 */
export class ScryptWorkers {
  readonly #size: number;
  readonly #slots: Slot[] = [];
  #nextId = 1;
  #closed = false;
  #lowered: boolean | undefined;

  constructor(size: number) {
    this.#size = size;
  }

  /** Whether the workers run at the low priority (undefined until one has started). */
  get lowPriority(): boolean | undefined {
    return this.#lowered;
  }

  /** Workers running now. */
  get threads(): number {
    return this.#slots.length;
  }

  derive(password: string, salt: Buffer, keyLength: number, options: ScryptCost): Promise<Buffer> {
    if (this.#closed) return Promise.reject(new Error('password hashing has been closed'));
    const slot = this.#slots.find((s) => s.job === null) ?? this.#start();
    if (!slot) return Promise.reject(new Error(`more than ${this.#size} password hashes at once`));
    const maxmem = 128 * options.N * options.r * options.p + 32 * 1024 * 1024;
    return new Promise<Buffer>((resolve, reject) => {
      const id = this.#nextId++;
      slot.job = { id, resolve, reject };
      slot.worker.ref();
      slot.worker.postMessage({
        id,
        password: password.normalize('NFKC'),
        salt: new Uint8Array(salt),
        keyLength,
        options: { ...options, maxmem },
      });
    });
  }

  /** Ends every worker; hashes still running reject. */
  async close(): Promise<void> {
    this.#closed = true;
    const slots = this.#slots.splice(0);
    await Promise.all(
      slots.map(async (slot) => {
        slot.job?.reject(new Error('password hashing has been closed'));
        slot.job = null;
        await slot.worker.terminate();
      }),
    );
  }

  #start(): Slot | undefined {
    if (this.#slots.length >= this.#size) return undefined;
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'stytch-like scrypt' });
    const slot: Slot = { worker, job: null };
    this.#slots.push(slot);
    worker.on('message', (answer: WorkerAnswer) => {
      if ('ready' in answer) {
        this.#lowered = answer.lowered;
        return;
      }
      const job = slot.job;
      if (!job || job.id !== answer.id) return;
      slot.job = null;
      // An idle worker must not keep the process alive.
      worker.unref();
      if ('key' in answer) job.resolve(Buffer.from(answer.key.buffer, answer.key.byteOffset, answer.key.byteLength));
      else job.reject(new Error(answer.error));
    });
    const fail = (error: Error) => {
      const index = this.#slots.indexOf(slot);
      if (index !== -1) this.#slots.splice(index, 1);
      slot.job?.reject(new Error(`a password hashing worker stopped: ${error.message}`));
      slot.job = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    worker.unref();
    return slot;
  }
}
