// Figure 5c: real OrientDB answers with corrupted bytes, through the provider's whole path (socket, frame reader,
// decoders, error mapping): every call ends typed and in time, and the provider works again afterwards.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { OrientDBSessionProvider } from '@sessiontoken/orientdb';
import { withCleanup } from '../shared/cleanup.ts';
import { startFaultProxy, type ByteEdit } from './fault-proxy.ts';
import { openToken, type OrientDBEndpoint } from './orientdb-server.ts';
import { Tally, describeError, outcomeOf } from './outcomes.ts';
import { within } from '../shared/wait.ts';

export interface CorruptedAnswersFigure {
  readonly cases: number;
  readonly seed: number;
  readonly timeoutMs: number;
  /** Answers the proxy corrupted (every case must be one). */
  readonly corrupted: number;
  /** How the call with the corrupted answer ended, per answer corrupted. */
  readonly outcomes: Record<string, Record<string, number>>;
  /** Longest call, in ms: a damaged answer ends in a typed error or a result, not in a wait past the timeouts. */
  readonly longestMs: number;
  /** The same provider's next call (reattaching first when the error ended its session): `ok`, at worst after one UNAVAILABLE. */
  readonly sameProviderAfter: Record<string, number>;
  readonly notes: string[];
}

/** Outcomes a corrupted answer may end in: a result (the protocol has no checksum), or a typed error. */
export const CORRUPTED_ANSWER_OUTCOMES = [
  'ok, same rows',
  'ok, other rows',
  'PROTOCOL',
  'UNAVAILABLE',
  'BACKEND',
  'INVALID_TOKEN',
  'EXPIRED',
];

const QUERIES = {
  records: 'SELECT FROM OUser ORDER BY name',
  projection:
    "SELECT 1 AS one, 'text' AS s, [1, 2.5, 'x'] AS list, {'k': true} AS map, 12345678901234 AS big, date('2024-02-29', 'yyyy-MM-dd') AS day",
} as const;

type Target = 'greeting' | 'reattach answer' | 'record query answer' | 'projection query answer';
const TARGETS: readonly Target[] = ['greeting', 'reattach answer', 'record query answer', 'projection query answer'];

const edits: fc.Arbitrary<ByteEdit[]> = fc.array(
  fc.record({
    position: fc.nat({ max: 4096 }),
    op: fc.constantFrom<ByteEdit['op']>('xor', 'set'),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  { minLength: 1, maxLength: 3 },
);

export async function orientdbCorruptedAnswers(options: {
  server: OrientDBEndpoint;
  cases: number;
  timeoutMs: number;
  seed?: number;
}): Promise<CorruptedAnswersFigure> {
  const { server, timeoutMs } = options;
  const seed = options.seed ?? Date.now() % 2 ** 31;
  // A reattach is a connect and one answer; a hang is anything well past that.
  const hangLimitMs = 2 * timeoutMs + 10_000;
  return withCleanup(async (cleanup) => {
    const token = await openToken(server);
    const proxy = cleanup.add(await startFaultProxy({ upstreamPort: server.port }), 'fault proxy', (p) => p.close());
    const direct = cleanup.add(
      new OrientDBSessionProvider({ host: server.host, port: server.port, database: server.database, timeoutMs }),
      'direct provider',
      (p) => p.close(),
    );
    await direct.setSessionToken(token);
    const expected = {
      records: await direct.query(QUERIES.records),
      projection: await direct.query(QUERIES.projection),
    };

    const outcomes = new Map<Target, Tally>(TARGETS.map((t) => [t, new Tally()]));
    const after = new Tally();
    const notes: string[] = [];
    let longestMs = 0;
    let corrupted = 0;
    const plans = fc.sample(edits, { numRuns: options.cases, seed });

    for (let index = 0; index < options.cases; index++) {
      const target = TARGETS[index % TARGETS.length]!;
      const spec = { kind: 'corrupt', edits: plans[index]! } as const;
      const provider = new OrientDBSessionProvider({
        host: server.host,
        port: proxy.port,
        database: server.database,
        timeoutMs,
      });
      try {
        const faultsBefore = proxy.faults;
        const started = performance.now();
        let outcome: string;
        try {
          if (target === 'greeting' || target === 'reattach answer') {
            proxy.faultNext(spec, { nextConnectionResponse: target === 'greeting' ? 0 : 1 });
            await within(provider.setSessionToken(token), hangLimitMs, 'a reattach');
            outcome = 'ok, same rows';
          } else {
            await provider.setSessionToken(token);
            proxy.faultNext(spec, { connection: proxy.connections - 1 });
            const which = target === 'record query answer' ? 'records' : 'projection';
            const rows = await within(provider.query(QUERIES[which]), hangLimitMs, 'a query');
            outcome = isDeepStrictEqual(rows, expected[which]) ? 'ok, same rows' : 'ok, other rows';
          }
        } catch (error) {
          outcome = outcomeOf(error);
          if (!CORRUPTED_ANSWER_OUTCOMES.includes(outcome) && notes.length < 20)
            notes.push(`${target}: ${describeError(error)}`);
        }
        longestMs = Math.max(longestMs, performance.now() - started);
        proxy.setPolicy(() => null);
        if (proxy.faults > faultsBefore) corrupted++;
        outcomes.get(target)!.add(outcome);
        // Usable again: the next call goes through on a new connection (a session the error ended is reattached
        // first). The proxy closed the connection right after the damaged answer; a call made before the provider
        // saw that close fails UNAVAILABLE once, as with any server that closes a connection after answering.
        const next = async (): Promise<string> => {
          if (provider.getSession() === null) await within(provider.setSessionToken(token), hangLimitMs, 'a reattach');
          const rows = await within(provider.query(QUERIES.projection), hangLimitMs, 'a query');
          return isDeepStrictEqual(rows, expected.projection) ? 'ok' : 'ok, other rows';
        };
        try {
          after.add(await next());
        } catch (first) {
          try {
            if (outcomeOf(first) !== 'UNAVAILABLE') throw first;
            after.add(`${await next()} after one UNAVAILABLE`);
          } catch (error) {
            after.add(outcomeOf(error));
            if (notes.length < 20) notes.push(`after ${target} (${outcome}): ${describeError(error)}`);
          }
        }
      } finally {
        await provider.close();
      }
    }
    return {
      cases: options.cases,
      seed,
      timeoutMs,
      corrupted,
      outcomes: Object.fromEntries([...outcomes].map(([target, tally]) => [target, tally.toJSON()])),
      longestMs: Math.round(longestMs),
      sameProviderAfter: after.toJSON(),
      notes,
    };
  });
}
