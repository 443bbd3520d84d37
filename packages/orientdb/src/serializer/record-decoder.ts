import { DEFAULT_WIRE_LIMITS, type WireLimits } from '../limits.js';
import { ByteCursor } from './byte-cursor.js';
import { DecodeBudget, DecodedCost } from './decode-budget.js';
import { NOT_SCALAR, readLink, readScalar, readString } from './scalar-decoder.js';
import { OrientDBType, RecordId, type OrientDBValue } from './values.js';

const UUID_BYTES = 16;
const AT_SIGN = 0x40;
/** Bytes of one link inside a link bag: int16 cluster + int64 position. */
const BAG_LINK_BYTES = 10;
/** Bytes of one pending change in a tree link bag: a link + byte type + int32 value. */
const BAG_CHANGE_BYTES = BAG_LINK_BYTES + 5;

/** A record decoded from `ORecordSerializerNetwork` (`onet_ser_v0`) bytes. */
export interface DecodedRecord {
  /** The record's class, or `null` for a document without one. */
  readonly className: string | null;
  readonly fields: { [field: string]: OrientDBValue };
}

/**
 * Decodes a document record as the server sends it to a `ORecordSerializerBinary` client (`onet_ser_v0`:
 * a version byte 0, then the class name, a header of field name / value pointer / type, and the values).
 * Malformed bytes throw `PROTOCOL`; nothing is allocated for a length before it is checked against the bytes left.
 * Values are read in header order, each past the bytes read before it, so no byte is decoded twice; what is built is
 * charged to `budget` (one per answer; a fresh one from `limits` when none is given).
 */
export function decodeRecord(
  bytes: Uint8Array,
  limits: WireLimits = DEFAULT_WIRE_LIMITS,
  budget = new DecodeBudget(limits),
): DecodedRecord {
  const fields: { [field: string]: OrientDBValue } = {};
  const className = readDocument(recordCursor(bytes), budget, 0, fields, false);
  return { className: className === '' ? null : className, fields };
}

/**
 * Decodes a record as {@link decodeRecord} does, straight into `row` (a query result that already holds `@rid` and
 * `@version`): its class as `@class`, then its fields, as if they had been copied over from a decoded record.
 */
export function decodeRecordInto(
  row: { [field: string]: OrientDBValue },
  bytes: Uint8Array,
  limits: WireLimits = DEFAULT_WIRE_LIMITS,
  budget = new DecodeBudget(limits),
): void {
  readDocument(recordCursor(bytes), budget, 0, row, true);
}

function recordCursor(bytes: Uint8Array): ByteCursor {
  const cursor = new ByteCursor(bytes, 'record');
  const version = cursor.uint8();
  if (version !== 0) cursor.fail(`unsupported serializer version ${version}`);
  return cursor;
}

/**
 * Reads a document's class name and fields into `fields` and returns the class name. With `withClass`, a class is
 * set as `@class` first, and `fields` may already hold `@` keys that the document's own fields overwrite (as a copy
 * onto such an object would).
 */
function readDocument(
  cursor: ByteCursor,
  budget: DecodeBudget,
  depth: number,
  fields: { [field: string]: OrientDBValue },
  withClass: boolean,
): string {
  const className = readString(cursor, 'class name');
  budget.charge(cursor, DecodedCost.OBJECT);
  if (withClass && className !== '') defineField(fields, '@class', className);
  /** Names starting with `@` seen in this document, when `fields` may hold such keys of its own. */
  let seenAt: Set<string> | null = null;
  // The server writes the values after the header, in header order: a pointer behind what was read re-reads bytes,
  // and so does a header that runs on into a value already read.
  const reads = new ForwardReads();
  for (;;) {
    const nameLength = cursor.varInt(32, 'field name length');
    if (nameLength === 0) break;
    if (nameLength < 0) cursor.fail('schema property ids are not used by the network serializer');
    const name = cursor.utf8(nameLength, 'field name');
    const pointer = cursor.int32();
    const type = cursor.uint8();
    budget.charge(cursor, DecodedCost.SLOT + DecodedCost.STRING + 2 * nameLength);
    reads.headerAt(cursor);
    // The server keeps the first occurrence of a field name; so does this decoder.
    if (withClass && name.charCodeAt(0) === AT_SIGN) {
      seenAt ??= new Set();
      if (seenAt.has(name)) continue;
      seenAt.add(name);
    } else if (Object.hasOwn(fields, name)) continue;
    if (pointer === 0) {
      defineField(fields, name, null);
      continue;
    }
    const header = cursor.offset;
    // The message is built only on failure: quoting the name for every field cost more than reading its value.
    if (!reads.allows(pointer, header))
      cursor.fail(`field ${JSON.stringify(name.slice(0, 40))} points back at bytes already read (${pointer})`);
    if (!cursor.contains(pointer)) cursor.seek(pointer, `field ${JSON.stringify(name.slice(0, 40))}`);
    cursor.offset = pointer;
    defineField(fields, name, readValue(cursor, type, budget, depth));
    reads.valueRead(pointer, cursor.offset);
    cursor.offset = header;
  }
  reads.headerAt(cursor);
  cursor.offset = reads.end(cursor.offset);
  return className;
}

/**
 * Where a header and its values may still be read: every value starts past the last one read and past the header
 * entry that names it, and the header never runs into a value already read. So no byte is decoded twice (a header
 * entry at most once more, before it is refused).
 */
class ForwardReads {
  #firstValue = Number.MAX_SAFE_INTEGER;
  #valuesEnd = 0;

  allows(pointer: number, header: number): boolean {
    return pointer >= header && pointer >= this.#valuesEnd;
  }

  valueRead(start: number, end: number): void {
    if (start < this.#firstValue) this.#firstValue = start;
    this.#valuesEnd = end;
  }

  headerAt(cursor: ByteCursor): void {
    if (cursor.offset > this.#firstValue) cursor.fail('the header runs into a value already read');
  }

  /** Where the whole structure ends: after its last value, or after its header when it has none. */
  end(header: number): number {
    return Math.max(header, this.#valuesEnd);
  }
}

/**
 * Sets a field without letting a name such as `__proto__` reach the prototype. `__proto__` is the only accessor
 * that plain objects inherit, so every other name is a plain assignment (defineProperty is several times slower).
 */
export function defineField(target: { [field: string]: OrientDBValue }, name: string, value: OrientDBValue): void {
  if (name === '__proto__')
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  else target[name] = value;
}

function readLinkBag(cursor: ByteCursor, budget: DecodeBudget): OrientDBValue {
  const config = cursor.uint8();
  if ((config & 2) !== 0) cursor.skip(UUID_BYTES, 'link bag owner id');
  if ((config & 1) !== 0) {
    const size = cursor.int32();
    if (size < 0 || size * BAG_LINK_BYTES > cursor.remaining) cursor.fail(`link bag size ${size}`);
    budget.charge(cursor, DecodedCost.ARRAY + size * (DecodedCost.SLOT + DecodedCost.RECORD_ID));
    const links: OrientDBValue[] = [];
    for (let i = 0; i < size; i++) {
      const cluster = cursor.int16();
      const position = cursor.int64();
      links.push(new RecordId(cluster, position));
    }
    return links;
  }
  // A tree-based bag lives in server-side pages: only its size travels.
  cursor.skip(8 + 8 + 4, 'link bag pointer');
  const size = cursor.int32();
  const changes = cursor.int32();
  if (changes < 0 || changes * BAG_CHANGE_BYTES > cursor.remaining) cursor.fail(`link bag change count ${changes}`);
  cursor.skip(changes * BAG_CHANGE_BYTES, 'link bag changes');
  budget.charge(cursor, DecodedCost.OBJECT);
  return { '@type': 'ridbag', size };
}

function readValue(cursor: ByteCursor, type: number, budget: DecodeBudget, depth: number): OrientDBValue {
  const scalar = readScalar(cursor, type);
  if (scalar !== NOT_SCALAR) {
    budget.chargeScalar(cursor, scalar);
    return scalar;
  }
  switch (type) {
    case OrientDBType.EMBEDDED: {
      const fields: { [field: string]: OrientDBValue } = {};
      readDocument(cursor, budget, budget.enter(cursor, depth), fields, true);
      return fields;
    }
    case OrientDBType.EMBEDDEDLIST:
    case OrientDBType.EMBEDDEDSET: {
      const inner = budget.enter(cursor, depth);
      const count = cursor.varLength('collection size', cursor.remaining);
      const declared = cursor.uint8();
      if (declared !== OrientDBType.ANY)
        cursor.fail(`collection item type ${declared} (the network serializer writes ANY)`);
      budget.charge(cursor, DecodedCost.ARRAY + count * DecodedCost.SLOT);
      const items: OrientDBValue[] = [];
      for (let i = 0; i < count; i++) {
        const itemType = cursor.uint8();
        items.push(itemType === OrientDBType.ANY ? null : readValue(cursor, itemType, budget, inner));
      }
      return items;
    }
    case OrientDBType.LINKLIST:
    case OrientDBType.LINKSET: {
      const count = cursor.varLength('link collection size', cursor.remaining);
      budget.charge(cursor, DecodedCost.ARRAY + count * (DecodedCost.SLOT + DecodedCost.RECORD_ID));
      const links: OrientDBValue[] = [];
      for (let i = 0; i < count; i++) links.push(readLink(cursor));
      return links;
    }
    case OrientDBType.LINKMAP: {
      const inner = budget.enter(cursor, depth);
      const count = cursor.varLength('link map size', cursor.remaining);
      budget.charge(cursor, DecodedCost.OBJECT + count * (DecodedCost.SLOT + DecodedCost.RECORD_ID));
      const map: { [key: string]: OrientDBValue } = {};
      for (let i = 0; i < count; i++) {
        const key = readValue(cursor, cursor.uint8(), budget, inner);
        defineField(map, mapKey(cursor, key), readLink(cursor));
      }
      return map;
    }
    case OrientDBType.EMBEDDEDMAP: {
      const inner = budget.enter(cursor, depth);
      const count = cursor.varLength('map size', cursor.remaining);
      budget.charge(cursor, DecodedCost.OBJECT);
      const map: { [key: string]: OrientDBValue } = {};
      // As in a document: values follow the keys in order, each past the bytes read before it.
      const reads = new ForwardReads();
      for (let i = 0; i < count; i++) {
        const key = mapKey(cursor, readValue(cursor, cursor.uint8(), budget, inner));
        const pointer = cursor.int32();
        const valueType = cursor.uint8();
        reads.headerAt(cursor);
        if (pointer === 0) {
          defineField(map, key, null);
          continue;
        }
        const header = cursor.offset;
        if (!reads.allows(pointer, header)) cursor.fail(`a map value points back at bytes already read (${pointer})`);
        cursor.seek(pointer, 'map value');
        defineField(map, key, readValue(cursor, valueType, budget, inner));
        reads.valueRead(pointer, cursor.offset);
        cursor.offset = header;
      }
      cursor.offset = reads.end(cursor.offset);
      return map;
    }
    case OrientDBType.LINKBAG:
      return readLinkBag(cursor, budget);
    default:
      return cursor.fail(`unknown value type ${type}`);
  }
}

function mapKey(cursor: ByteCursor, key: OrientDBValue): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean') return String(key);
  return cursor.fail('a map key is not a string');
}
