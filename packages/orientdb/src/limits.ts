/** Bounds applied to everything read from the wire before anything is allocated for it. */
export interface WireLimits {
  /** Largest response frame accepted, in bytes (every length field is checked against what is left of it). */
  readonly maxFrameBytes: number;
  /**
   * Most heap one answer's decoded rows may take, in bytes, as the decoders estimate it (strings by length, objects
   * and arrays by their slots, dates, links and longs at their object size). An answer past it is refused.
   */
  readonly maxDecodedBytes: number;
  /** Deepest nesting of embedded documents, collections and maps inside one record. */
  readonly maxNestingDepth: number;
}

/**
 * The defaults keep one answer under about 300 MiB of heap whatever the server sends: a 16 MiB frame (buffered once)
 * and at most 256 MiB of decoded values. An ordinary answer decodes to about ×20 its size, so it fits up to about 12 MiB.
 */
export const DEFAULT_WIRE_LIMITS: WireLimits = {
  maxFrameBytes: 16 * 1024 * 1024,
  maxDecodedBytes: 256 * 1024 * 1024,
  maxNestingDepth: 64,
};
