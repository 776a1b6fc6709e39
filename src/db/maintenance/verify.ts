/**
 * `Database.verify` (MsPASS's `verify`): check one document against the
 * schema without changing it. Returns `{key: [failed tests]}`:
 * - "xref": a schema xref key (`site_id`, `history_object_id`, …) whose
 *   target document (`_id` = the value, in the collection the key names) is
 *   missing;
 * - "type": a schema key whose stored BSON type is not the schema's (as
 *   MsPASS's isinstance: an int32 in a double field fails);
 * - "undefined": a REQUIRED schema key that is absent (as MsPASS's code
 *   does, despite the name; an alias counts as present).
 * A missing document throws, as MsPASS.
 */
import { MsPASSError } from "../../errors.js";
import { matchesType } from "../../schema/types.js";
import { isDocument } from "../bson.js";
import { findOneTyped } from "./typed-read.js";
import type { Database } from "../database.js";
import { describe } from "../../option-checks.js";

export const VERIFY_TESTS = ["xref", "type", "undefined"] as const;
export type VerifyTest = (typeof VERIFY_TESTS)[number];

export interface VerifyOptions {
  /** Collection (default "wf" = wf_TimeSeries). */
  collection?: string;
  /** Tests to run (default all three). */
  tests?: readonly VerifyTest[];
}

export async function verify(
  db: Database,
  documentId: unknown,
  options?: VerifyOptions,
): Promise<Record<string, VerifyTest[]>> {
  const fn = "Database.verify";
  if (options !== undefined && !isDocument(options))
    throw new MsPASSError(`${fn}: options must be an object, got ${describe(options)}`, "Invalid");
  const o = (options ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== "collection" && k !== "tests")
      throw new MsPASSError(`${fn}: unknown option "${k}" (options are collection, tests)`, "Invalid");
  }
  const tests = o.tests ?? VERIFY_TESTS;
  if (!Array.isArray(tests))
    throw new MsPASSError(`${fn}: tests must be an array of "xref", "type", "undefined"`, "Invalid");
  for (const t of tests) {
    if (!(VERIFY_TESTS as readonly unknown[]).includes(t)) {
      throw new MsPASSError(
        `${fn}: only xref, type and undefined are supported, received ${describe(t)}`,
        "Invalid",
      );
    }
  }
  const run = new Set(tests as VerifyTest[]);
  const name = o.collection ?? "wf";
  if (typeof name !== "string")
    throw new MsPASSError(`${fn}: collection must be a string, got ${describe(name)}`, "Invalid");
  const schema = db.schema;
  const collection = schema.resolveCollection(name);
  const doc = await findOneTyped(db, collection, { _id: documentId }, fn);
  if (doc === null)
    throw new MsPASSError(`${fn}: no document with _id=${String(documentId)} in ${collection}`, "Invalid");

  const problems: Record<string, VerifyTest[]> = {};
  const flag = (k: string, t: VerifyTest) => (problems[k] ??= []).push(t);
  for (const [key, value] of Object.entries(doc)) {
    const attr = schema.attribute(collection, key);
    if (attr === undefined) continue;
    const unique = attr.name;
    if (
      run.has("xref") &&
      attr.constraint === "xref_key" &&
      !(await targetExists(db, attr.reference ?? unique.replace(/_id$/, ""), value))
    ) {
      flag(unique, "xref");
    }
    if (run.has("type") && !matchesType(value, attr.type)) flag(unique, "type");
  }
  if (run.has("undefined")) {
    for (const k of schema.requiredKeys(collection)) {
      const names = [k, ...(schema.attribute(collection, k)?.aliases ?? [])];
      if (!names.some((n) => n in doc)) flag(k, "undefined");
    }
  }
  return problems;
}

async function targetExists(db: Database, target: string, id: unknown): Promise<boolean> {
  let coll: string;
  try {
    coll = db.schema.resolveCollection(target);
  } catch {
    coll = target;
  }
  return (await db.collection(coll).findOne({ _id: id }, { projection: { _id: 1 } })) !== null;
}
