const DECODER = new TextDecoder('utf-8');
const ENCODER = new TextEncoder();

/**
 * Strings up to this length are converted in JavaScript when they are ASCII (field names, class names, most values):
 * for them a TextDecoder / TextEncoder call costs more than the loop. Longer or non-ASCII strings go to the codec.
 */
const SHORT_STRING = 64;

/** `bytes[start, end)` as UTF-8 text, exactly as `new TextDecoder('utf-8')` decodes it. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT_STRING) {
    let text = '';
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      if (byte > 0x7f) return DECODER.decode(bytes.subarray(start, end));
      text += String.fromCharCode(byte);
    }
    return text;
  }
  return DECODER.decode(bytes.subarray(start, end));
}

/** The UTF-8 length of `text` when it is short and ASCII (then its bytes are its char codes), else -1. */
export function shortAsciiLength(text: string): number {
  if (text.length > SHORT_STRING) return -1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return -1;
  return text.length;
}

/** `text` as UTF-8 bytes, as `new TextEncoder()` encodes it. */
export function encodeUtf8(text: string): Uint8Array {
  return ENCODER.encode(text);
}
