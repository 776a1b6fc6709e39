/**
 * One document read with its stored BSON number types kept (Int32, Double,
 * Long as bson wrappers instead of JavaScript numbers). `clean` and `verify`
 * check types as MsPASS's `isinstance` does, which must tell an int32 `3`
 * from a double `3.0`; the ordinary decode makes both the number 3.
 */
import { BSON, type Document } from "mongodb";
import { native, toMsPASSError } from "../../native.js";
import { encodeDocument } from "../bson.js";
import type { Database } from "../database.js";

export async function findOneTyped(
  db: Database,
  collection: string,
  filter: Document,
  what: string,
): Promise<Document | null> {
  const { uri, db: name, coll } = db.collection(collection).target();
  db.client.assertOpen(what);
  let bytes: Buffer | null;
  try {
    bytes = await native.findOne(uri, name, coll, encodeDocument(filter, `${what}: filter`));
  } catch (err) {
    throw toMsPASSError(err, what);
  }
  return bytes === null ? null : BSON.deserialize(bytes, { promoteValues: false });
}
