/** Bounds applied to everything read from the wire before anything is allocated for it. */
export interface WireLimits {
  /** Largest response frame accepted, in bytes (every length field is checked against what is left of it). */
  readonly maxFrameBytes: number;
  /** Deepest nesting of embedded documents, collections and maps inside one record. */
  readonly maxNestingDepth: number;
}

export const DEFAULT_WIRE_LIMITS: WireLimits = {
  maxFrameBytes: 64 * 1024 * 1024,
  maxNestingDepth: 64,
};
