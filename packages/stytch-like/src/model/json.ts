/** A value that survives `JSON.stringify` / `JSON.parse` unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

const MAX_DEPTH = 32;

/** True for a plain object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Returns `value` as plain JSON (finite numbers, plain objects and arrays, no cycles, no `__proto__` keys,
 * at most 32 levels deep), or `undefined` when it is not.
 */
export function toJsonValue(value: unknown, depth = 0): JsonValue | undefined {
  if (depth > MAX_DEPTH) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value)) {
    const items: JsonValue[] = [];
    for (const item of value) {
      const json = toJsonValue(item, depth + 1);
      if (json === undefined) return undefined;
      items.push(json);
    }
    return items;
  }
  if (isPlainObject(value)) {
    const result: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      if (key === '__proto__') return undefined;
      const json = toJsonValue(item, depth + 1);
      if (json === undefined) return undefined;
      result[key] = json;
    }
    return result;
  }
  return undefined;
}

/**
 * True when `toJsonValue(value)` would return a value (then equal to `value`), checked without copying: for values
 * straight from `JSON.parse`, which nobody else holds, so they can be handed out as they are.
 */
export function isJsonValue(value: unknown, depth = 0): value is JsonValue {
  if (depth > MAX_DEPTH) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if (!isJsonValue(item, depth + 1)) return false;
    return true;
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      if (key === '__proto__' || !isJsonValue(value[key], depth + 1)) return false;
    }
    return true;
  }
  return false;
}
