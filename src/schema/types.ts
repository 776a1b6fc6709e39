/**
 * Attribute types of the MsPASS schema and the value checks/conversions the
 * modes apply. Type names are matched case-insensitively with MsPASS's
 * synonyms (`int|integer`, `double|float`, `str|string`, `bool|boolean`,
 * `dict`, `list`, `objectid`, `bytes|byte|object`).
 */
import { ObjectId } from "mongodb";
import { MsPASSError } from "../errors.js";

export const ATTRIBUTE_TYPES = [
  "int",
  "double",
  "string",
  "bool",
  "dict",
  "list",
  "objectid",
  "bytes",
] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

const SYNONYMS: Readonly<Record<string, AttributeType>> = {
  int: "int",
  integer: "int",
  double: "double",
  float: "double",
  str: "string",
  string: "string",
  bool: "bool",
  boolean: "bool",
  dict: "dict",
  list: "list",
  objectid: "objectid",
  bytes: "bytes",
  byte: "bytes",
  object: "bytes",
};

/** Canonical type for a MsPASS type name, or undefined if it is not one. */
export function normalizeTypeName(name: unknown): AttributeType | undefined {
  if (typeof name !== "string") return undefined;
  return SYNONYMS[name.trim().toLowerCase()];
}

function bsonType(v: unknown): string | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const t = (v as { _bsontype?: unknown })._bsontype;
  return typeof t === "string" ? t : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v) || bsonType(v) !== undefined) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Does `value` already have schema type `type`? JavaScript has one number
 * type, so any number is a "double" and an integral one is also an "int"; bson
 * wrappers (Int32, Long, Double, ObjectId, Binary) are recognised by
 * `_bsontype` so values from any bson copy match.
 */
export function matchesType(value: unknown, type: AttributeType): boolean {
  const bt = bsonType(value);
  switch (type) {
    case "int":
      return (
        (typeof value === "number" && Number.isInteger(value)) ||
        typeof value === "bigint" ||
        bt === "Int32" ||
        bt === "Long"
      );
    case "double":
      return typeof value === "number" || bt === "Double";
    case "string":
      return typeof value === "string";
    case "bool":
      return typeof value === "boolean";
    case "dict":
      return isPlainObject(value);
    case "list":
      return Array.isArray(value);
    case "objectid":
      return bt === "ObjectId";
    case "bytes":
      return value instanceof Uint8Array || bt === "Binary";
  }
}

/**
 * Convert `value` to `type` the way cautious mode does (in the spirit of
 * MsPASS's Python `type(value)` casts, minus Python's surprises):
 * - int: numbers truncate toward zero, numeric strings parse, booleans → 0/1;
 * - double: numbers, numeric strings, booleans → 0/1;
 * - string: numbers, booleans, bigints, ObjectIds → their text;
 * - bool: 0/1 numbers and "true"/"false"/"1"/"0" strings (case-insensitive);
 * - objectid: a 24-hex string;
 * - list/dict/bytes: no conversion.
 * Throws MsPASSError (Invalid) when no conversion applies; never returns NaN.
 */
export function convertValue(value: unknown, type: AttributeType): unknown {
  if (matchesType(value, type)) return value;
  const fail = () => new MsPASSError(`cannot convert ${describe(value)} to ${type}`, "Invalid");
  const bt = bsonType(value);
  const asNumber = (): number | undefined => {
    if (typeof value === "number") return value;
    if (typeof value === "boolean") return value ? 1 : 0;
    if (typeof value === "bigint") return Number(value);
    if (bt === "Int32" || bt === "Long" || bt === "Double") return Number(String(value));
    if (typeof value === "string" && value.trim() !== "") {
      const n = Number(value.trim());
      return Number.isNaN(n) ? undefined : n;
    }
    return undefined;
  };
  switch (type) {
    case "int": {
      const n = asNumber();
      if (n === undefined || !Number.isFinite(n)) throw fail();
      return Math.trunc(n);
    }
    case "double": {
      const n = asNumber();
      if (n === undefined) throw fail();
      return n;
    }
    case "string":
      if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
        return String(value);
      if (bt === "ObjectId" || bt === "Int32" || bt === "Long" || bt === "Double") return String(value);
      throw fail();
    case "bool":
      if (typeof value === "number" && (value === 0 || value === 1)) return value === 1;
      if (typeof value === "string") {
        const s = value.trim().toLowerCase();
        if (s === "true" || s === "1") return true;
        if (s === "false" || s === "0") return false;
      }
      throw fail();
    case "objectid":
      if (typeof value === "string" && /^[0-9a-fA-F]{24}$/.test(value)) return new ObjectId(value);
      throw fail();
    default:
      throw fail();
  }
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "list";
  const bt = bsonType(value);
  if (bt !== undefined) return bt;
  if (value instanceof Date) return "Date";
  if (value instanceof Uint8Array) return "bytes";
  if (typeof value === "object") return "dict";
  if (typeof value === "string")
    return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
  return `${typeof value} ${String(value)}`;
}
