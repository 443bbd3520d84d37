// `@sessiontoken/orientdb/testing`: the decoder fuzzer, for the package's own tests and the bench's fault figures.
// It needs the optional peer `fast-check`; the package's main entry never loads this file.
export { FUZZ_LIMITS, fuzzDecoders, type FuzzCounts } from './decoder-fuzz.js';
