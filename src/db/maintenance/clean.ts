/**
 * `Database.clean` / `Database.cleanCollection` (MsPASS's `clean` /
 * `clean_collection`): repair documents against the schema.
 *
 * For one document, in MsPASS's order:
 * 1. required keys (under their name or an alias) missing → the document is
 *    deleted with `deleteMissingRequired` (and nothing else is done), else
 *    reported when `verbose`;
 * 2. keys of `requiredXrefList` missing → deleted with `deleteMissingXref`,
 *    else reported;
 * 3. the document is rebuilt and written with `replaceOne`: aliases become
 *    the unique names, mismatched types are converted (each conversion
 *    counted per key), a value that cannot be converted is DROPPED, keys the
 *    schema does not define are dropped with `deleteUndefined`, renamed by
 *    `renameUndefined`, or kept.
 * Returns `{key: number of values converted}`. A missing document gives `{}`
 * (MsPASS prints a line; so does `verbose` here).
 *
 * Types are checked on the stored BSON types (an int32 in a double field
 * counts as a conversion, as Python's isinstance sees it). Conversions are
 * those of cautious mode (`convertValue`). A deletion in a wf_TimeSeries /
 * wf_Seismogram collection goes through `deleteData` (samples, history and
 * elog with it, as MsPASS); in any other collection — wf_miniseed
 * included, which MsPASS cannot reach (Pitfall 11) — only the document is
 * deleted (a miniSEED file is the user's data).
 */
import type { Document } from "mongodb";
import { MsPASSError } from "../../errors.js";
import { applyBsonTypes } from "../../schema/bson-types.js";
import { convertValue, matchesType } from "../../schema/types.js";
import { isDocument } from "../bson.js";
import { deleteData } from "./delete.js";
import { findOneTyped } from "./typed-read.js";
import type { Database } from "../database.js";
import { describe } from "../../option-checks.js";

export interface CleanOptions {
  /** Collection (default "wf" = wf_TimeSeries). */
  collection?: string;
  /** Undefined keys to rename: `{old: new}`. */
  renameUndefined?: Readonly<Record<string, string>>;
  /** Drop keys the schema does not define (default false). */
  deleteUndefined?: boolean;
  /** Keys that must be present (e.g. ["site_id", "channel_id"]). */
  requiredXrefList?: readonly string[];
  /** Delete a document missing one of `requiredXrefList` (default false). */
  deleteMissingXref?: boolean;
  /** Delete a document missing a required key (default false). */
  deleteMissingRequired?: boolean;
  /** Print what is done (default false). */
  verbose?: boolean;
  /** Keys whose values are printed with each verbose line. */
  verboseKeys?: readonly string[];
}

export interface CleanCollectionOptions extends CleanOptions {
  /** Documents to clean (default all). */
  query?: Document;
  /** Accepted for MsPASS compatibility; ids are collected first, so no cursor stays open. */
  noCursorTimeout?: boolean;
}

const CLEAN_KEYS = [
  "collection",
  "renameUndefined",
  "deleteUndefined",
  "requiredXrefList",
  "deleteMissingXref",
  "deleteMissingRequired",
  "verbose",
  "verboseKeys",
] as const;
const COLLECTION_KEYS = [...CLEAN_KEYS, "query", "noCursorTimeout"] as const;

interface Resolved {
  collection: string;
  renameUndefined: Record<string, string>;
  deleteUndefined: boolean;
  requiredXrefList: string[];
  deleteMissingXref: boolean;
  deleteMissingRequired: boolean;
  verbose: boolean;
  verboseKeys: string[];
}

function checkOptions(options: unknown, keys: readonly string[], fn: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (!isDocument(options))
    throw new MsPASSError(`${fn}: options must be an object, got ${describe(options)}`, "Invalid");
  for (const k of Object.keys(options)) {
    if (!keys.includes(k))
      throw new MsPASSError(`${fn}: unknown option "${k}" (options are ${keys.join(", ")})`, "Invalid");
  }
  return options as Record<string, unknown>;
}

function bool(v: unknown, name: string, fn: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== "boolean")
    throw new MsPASSError(`${fn}: ${name} must be a boolean, got ${describe(v)}`, "Invalid");
  return v;
}

function list(v: unknown, name: string, fn: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((k) => typeof k !== "string"))
    throw new MsPASSError(`${fn}: ${name} must be an array of strings`, "Invalid");
  return [...(v as string[])];
}

function resolve(db: Database, o: Record<string, unknown>, fn: string): Resolved {
  const rename = o.renameUndefined ?? {};
  if (!isDocument(rename) || Object.values(rename).some((v) => typeof v !== "string" || v === "")) {
    throw new MsPASSError(
      `${fn}: renameUndefined must be an object mapping old key names to new ones`,
      "Invalid",
    );
  }
  const name = o.collection ?? "wf";
  if (typeof name !== "string")
    throw new MsPASSError(`${fn}: collection must be a string, got ${describe(name)}`, "Invalid");
  return {
    collection: db.schema.resolveCollection(name),
    renameUndefined: rename as Record<string, string>,
    deleteUndefined: bool(o.deleteUndefined, "deleteUndefined", fn),
    requiredXrefList: list(o.requiredXrefList, "requiredXrefList", fn),
    deleteMissingXref: bool(o.deleteMissingXref, "deleteMissingXref", fn),
    deleteMissingRequired: bool(o.deleteMissingRequired, "deleteMissingRequired", fn),
    verbose: bool(o.verbose, "verbose", fn),
    verboseKeys: list(o.verboseKeys, "verboseKeys", fn),
  };
}

async function deleteDocument(db: Database, collection: string, id: unknown): Promise<void> {
  const type = db.schema.dataType(collection);
  if (
    (type === "TimeSeries" || type === "Seismogram") &&
    db.schema.resolveCollection(`wf_${type}`) === collection
  ) {
    await deleteData(db, id, type);
  } else {
    await db.collection(collection).deleteOne({ _id: id });
  }
}

async function cleanOne(db: Database, id: unknown, r: Resolved, fn: string): Promise<Record<string, number>> {
  const fixed: Record<string, number> = {};
  const doc = await findOneTyped(db, r.collection, { _id: id }, fn);
  const say = (msg: string) => {
    if (r.verbose) console.log(msg);
  };
  if (doc === null) {
    say(`${fn}: collection ${r.collection} has no document with _id=${String(id)}`);
    return fixed;
  }
  let helper = `collection ${r.collection} document _id: ${String(doc._id)}, `;
  for (const k of r.verboseKeys) if (k in doc) helper += `${k}: ${String(doc[k])}, `;
  const schema = db.schema;

  // 1. required keys
  const missing = schema.requiredKeys(r.collection).filter((k) => {
    const names = [k, ...(schema.attribute(r.collection, k)?.aliases ?? [])];
    return !names.some((n) => n in doc);
  });
  if (missing.length > 0) {
    const msg = `required attribute: ${missing.join(" ")} are missing.`;
    if (r.deleteMissingRequired) {
      await deleteDocument(db, r.collection, doc._id);
      say(`${helper}${msg} the document is deleted.`);
      return fixed;
    }
    say(helper + msg);
  }
  // 2. required cross-references
  const missingXref = r.requiredXrefList.filter((k) => !(k in doc));
  if (missingXref.length > 0) {
    const msg = `required xref keys: ${missingXref.join(" ")} are missing.`;
    if (r.deleteMissingXref) {
      await deleteDocument(db, r.collection, doc._id);
      say(`${helper}${msg} the document is deleted.`);
      return fixed;
    }
    say(helper + msg);
  }
  // 3. rebuild
  const out: Record<string, unknown> = {};
  const fromUnique = new Set<string>();
  for (const [k, v] of Object.entries(doc)) {
    if (k === "_id") continue;
    if (!schema.isDefined(r.collection, k)) {
      if (!r.deleteUndefined) out[r.renameUndefined[k] ?? k] = v;
      continue;
    }
    const unique = schema.uniqueName(r.collection, k)!;
    // The value under the unique name wins over an alias's.
    if (unique !== k && fromUnique.has(unique)) continue;
    if (unique === k) fromUnique.add(unique);
    const type = schema.attribute(r.collection, unique)!.type;
    if (matchesType(v, type)) {
      out[unique] = v;
      continue;
    }
    try {
      out[unique] = convertValue(v, type);
      fixed[unique] = (fixed[unique] ?? 0) + 1;
      say(`${helper}attribute ${unique} conversion from ${describe(v)} to ${type} is done.`);
    } catch {
      delete out[unique];
      say(
        `${helper}attribute ${unique} conversion from ${describe(v)} to ${type} cannot be done, the attribute is removed.`,
      );
    }
  }
  await db
    .collection(r.collection)
    .replaceOne({ _id: doc._id }, applyBsonTypes(out, r.collection, { schema }));
  return fixed;
}

export async function clean(
  db: Database,
  documentId: unknown,
  options?: CleanOptions,
): Promise<Record<string, number>> {
  const fn = "Database.clean";
  const r = resolve(db, checkOptions(options, CLEAN_KEYS, fn), fn);
  return cleanOne(db, documentId, r, fn);
}

/** `clean` on every document matching `query`; the counts are summed per key. */
export async function cleanCollection(
  db: Database,
  options?: CleanCollectionOptions,
): Promise<Record<string, number>> {
  const fn = "Database.cleanCollection";
  const o = checkOptions(options, COLLECTION_KEYS, fn);
  const query = o.query ?? {};
  if (!isDocument(query))
    throw new MsPASSError(`${fn}: query must be a document, got ${describe(query)}`, "Invalid");
  bool(o.noCursorTimeout, "noCursorTimeout", fn);
  const r = resolve(db, o, fn);
  const ids = (
    await db
      .collection(r.collection)
      .find(query, { projection: { _id: 1 } })
      .toArray()
  ).map((d) => d._id);
  const total: Record<string, number> = {};
  for (const id of ids) {
    for (const [k, n] of Object.entries(await cleanOne(db, id, r, fn))) total[k] = (total[k] ?? 0) + n;
  }
  return total;
}
