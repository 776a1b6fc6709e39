/**
 * BSON encoding at the boundary with the Rust core. Documents cross the
 * binding as `Buffer`s of BSON, encoded and decoded with the `bson` library
 * the official `mongodb` driver re-exports (so ObjectId, Long, Binary... are
 * the very classes users already know from the driver).
 */
import { BSON, type Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import { describe } from "../option-checks.js";

/**
 * Decoding options: those of the Node driver's defaults (numbers promoted,
 * Binary kept as `Binary`), so documents look as `mongodb` would return them.
 */
const DESERIALIZE: BSON.DeserializeOptions = {};

/**
 * `undefined` fields are left out rather than stored as null: TypeScript
 * objects use `undefined` for "absent", and MsPASS treats a missing key and a
 * null differently.
 */
const SERIALIZE: BSON.SerializeOptions = { ignoreUndefined: true };

/** True for a value usable as a BSON document: a non-null, non-array object. */
export function isDocument(value: unknown): value is Document {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/**
 * Check that `value` is a document and encode it. `what` names the argument
 * in errors, e.g. "Collection.find(filter)".
 */
export function encodeDocument(value: unknown, what: string): Buffer {
  if (!isDocument(value)) {
    throw new MsPASSError(`${what} must be a document (a plain object), got ${describe(value)}`, "Invalid");
  }
  try {
    return asBuffer(BSON.serialize(value, SERIALIZE));
  } catch (err) {
    throw new MsPASSError(`${what} cannot be encoded as BSON: ${(err as Error).message}`, "Invalid", {
      cause: err,
    });
  }
}

/** View bytes as a Node `Buffer` (what the binding takes) without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Encode several documents into one buffer of concatenated BSON documents. */
export function encodeDocuments(values: readonly unknown[], what: string): Buffer {
  const parts = values.map((v, i) => encodeDocument(v, `${what}[${i}]`));
  return Buffer.concat(parts);
}

export function decodeDocument<T = Document>(bytes: Uint8Array): T {
  return BSON.deserialize(bytes, DESERIALIZE) as T;
}

/**
 * Walk a buffer of concatenated BSON documents (what the core returns per
 * cursor batch) and return each document's byte range, without decoding.
 */
export function documentOffsets(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offsets: number[] = [];
  let at = 0;
  while (at < bytes.byteLength) {
    if (bytes.byteLength - at < 5) {
      throw new MsPASSError(
        `malformed batch from the native core: ${bytes.byteLength - at} stray bytes`,
        "Fatal",
      );
    }
    const len = view.getInt32(at, true);
    if (len < 5 || at + len > bytes.byteLength) {
      throw new MsPASSError(
        `malformed batch from the native core: document length ${len} at byte ${at}`,
        "Fatal",
      );
    }
    offsets.push(at);
    at += len;
  }
  offsets.push(at);
  return offsets;
}

/** Decode all documents of a concatenated-BSON buffer. */
export function decodeDocuments<T = Document>(bytes: Uint8Array): T[] {
  const offsets = documentOffsets(bytes);
  const out: T[] = new Array(offsets.length - 1);
  for (let i = 0; i + 1 < offsets.length; i++) {
    out[i] = decodeDocument<T>(bytes.subarray(offsets[i], offsets[i + 1]));
  }
  return out;
}
