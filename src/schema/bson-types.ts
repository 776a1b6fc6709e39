/**
 * BSON number types for documents MsPASS will read.
 *
 * JavaScript has one number type and the MongoDB driver stores an integral
 * number as int32, so `delta: 1` or `starttime: 0` would reach MongoDB as
 * integers. MsPASS's Python side checks `isinstance(value, float)` in its
 * cautious/pedantic modes, so a pedantic MsPASS read of such a document would
 * kill the datum. Python writes these as BSON doubles; this wraps every number
 * in a schema "double" attribute (and the numbers of `tmatrix`) in bson
 * `Double` so the stored bytes match.
 */
import { Double } from "mongodb";
import { MsPASSError } from "../errors.js";
import { Schema } from "./schema.js";

/** Keys holding a list of doubles (MsPASS writes Python floats). */
const DOUBLE_LISTS = new Set(["tmatrix"]);

export function applyBsonTypes(
  doc: Readonly<Record<string, unknown>>,
  collection: string,
  options: { schema?: Schema } = {},
): Record<string, unknown> {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new MsPASSError("applyBsonTypes: doc must be a plain object", "Invalid");
  }
  const schema = options.schema ?? Schema.default();
  const view = schema.view(collection);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    const type = view.get(k)?.type;
    if (typeof v === "number" && type === "double") out[k] = new Double(v);
    else if (Array.isArray(v) && DOUBLE_LISTS.has(k) && v.every((x) => typeof x === "number"))
      out[k] = v.map((x: number) => new Double(x));
    else out[k] = v;
  }
  return out;
}
