/**
 * The read/write modes of MsPASS (`doc2md` / `md2doc`) as two pure functions.
 * Readers and writers call them; they never touch a database and never throw
 * for bad data: problems come back as elog entries and a `dead` flag. Only
 * caller mistakes (unknown mode, unknown collection, wrong argument types)
 * throw MsPASSError.
 */
import { MsPASSError } from "../errors.js";
import { Metadata, type MetadataValue } from "../data/metadata.js";
import type { LogEntry } from "../data/error-logger.js";
import { Schema, isNormalizedKey } from "./schema.js";
import { convertValue, describe, matchesType } from "./types.js";

export const MODES = ["promiscuous", "cautious", "pedantic"] as const;
export type Mode = (typeof MODES)[number];

export function checkMode(mode: unknown, fn: string): Mode {
  if (!(MODES as readonly unknown[]).includes(mode)) {
    throw new MsPASSError(
      `${fn}: unknown mode ${JSON.stringify(mode)}; must be one of ${MODES.join(", ")}`,
      "Fatal",
    );
  }
  return mode as Mode;
}

/**
 * Keys the waveform writer sets itself from the datum and the storage step
 * (time fields, tmatrix, storage fields, links). On save they are exempt from
 * the readonly rule and from "not in schema" dropping in cautious/pedantic
 * mode (they are still type-checked): the writer overwrites them with
 * authoritative values. MsPASS relies on most of these being `readonly: false`
 * in its Metadata section; `starttime_shift`, `endtime`, `data_tag` and the
 * link ids are not listed there, and MsPASS's cautious save drops
 * `starttime_shift`, which loses a relative datum's shift. We keep it.
 */
export const WF_WRITER_KEYS: ReadonlySet<string> = new Set([
  "npts",
  "delta",
  "starttime",
  "starttime_shift",
  "utc_convertible",
  "time_standard",
  "endtime",
  "tmatrix",
  "cardinal",
  "orthogonal",
  "storage_mode",
  "gridfs_id",
  "dir",
  "dfile",
  "foff",
  "nbytes",
  "format",
  "data_tag",
  "history_object_id",
  "elog_id",
]);

export interface ModeOptions {
  /** Keys never copied. */
  excludeKeys?: readonly string[];
  /** Schema to apply; Schema.default() when omitted. */
  schema?: Schema;
}

export interface ReadResult {
  /** The converted header, with its modified set cleared (a fresh read). */
  md: Metadata;
  elogEntries: LogEntry[];
  /** True when the datum must be killed (it becomes an abortion). */
  dead: boolean;
}

export interface SaveOptions extends ModeOptions {
  /** Keys changed since the datum was read; defaults to `md.modified()`. */
  modified?: Iterable<string>;
  /** Keys exempt from readonly/not-in-schema rules; defaults to WF_WRITER_KEYS for waveform collections. */
  writerKeys?: Iterable<string>;
  /** Collections whose `<name>_*` copies are stripped; default channel, site, source. */
  normalizingCollections?: readonly string[];
}

export interface SaveResult {
  doc: Record<string, MetadataValue>;
  elogEntries: LogEntry[];
  dead: boolean;
}

function entry(algorithm: string, message: string, badness: LogEntry["badness"]): LogEntry {
  return { algorithm, message, badness };
}

function checkExclude(v: unknown, fn: string): Set<string> {
  if (v === undefined) return new Set();
  if (!Array.isArray(v) || v.some((k) => typeof k !== "string")) {
    throw new MsPASSError(`${fn}: excludeKeys must be an array of strings`, "Invalid");
  }
  return new Set(v as string[]);
}

function checkSchema(s: unknown, fn: string): Schema {
  if (s === undefined) return Schema.default();
  if (!(s instanceof Schema)) throw new MsPASSError(`${fn}: schema must be a Schema`, "Invalid");
  return s;
}

function entriesOf(src: unknown, fn: string, what: string): Array<[string, unknown]> {
  if (src instanceof Metadata) return src.entries();
  if (typeof src !== "object" || src === null || Array.isArray(src)) {
    throw new MsPASSError(`${fn}: ${what} must be a document (plain object) or a Metadata`, "Invalid");
  }
  return Object.entries(src).filter(([, v]) => v !== undefined);
}

/**
 * Document → Metadata for a reader (MsPASS's doc2md).
 * - promiscuous: every key except `excludeKeys`.
 * - cautious/pedantic: keys not in the schema and alias keys are dropped (one
 *   Complaint listing them). cautious converts mismatched types (one
 *   Informational entry listing them); a required key that cannot be converted
 *   kills (Invalid), a non-required one is dropped (Complaint). pedantic kills
 *   on any type mismatch (Invalid).
 */
export function docToMetadata(
  doc: Readonly<Record<string, unknown>> | Metadata,
  collection: string,
  mode: Mode,
  options: ModeOptions = {},
): ReadResult {
  const fn = "docToMetadata";
  checkMode(mode, fn);
  const schema = checkSchema(options.schema, fn);
  const view = schema.view(collection);
  const exclude = checkExclude(options.excludeKeys, fn);
  const pairs = entriesOf(doc, fn, "doc");
  const elogEntries: LogEntry[] = [];
  const md = new Metadata();
  let dead = false;

  if (mode === "promiscuous") {
    for (const [k, v] of pairs) if (!exclude.has(k)) md.put(k, v as MetadataValue);
    md.clearModified();
    return { md, elogEntries, dead };
  }

  const dropped: string[] = [];
  for (const [k, v] of pairs) {
    if (exclude.has(k)) continue;
    if (view.isDefined(k) && !view.isAlias(k)) md.put(k, v as MetadataValue);
    else dropped.push(k);
  }
  if (dropped.length > 0) {
    elogEntries.push(
      entry(
        fn,
        `mode=${mode}: dropped ${dropped.length} key(s) not defined in the schema of ${view.collection} (or aliases): ${dropped.join(" ")}`,
        "Complaint",
      ),
    );
  }

  const converted: string[] = [];
  for (const k of md.keys()) {
    const attr = view.get(k)!;
    const value = md.get(k);
    if (matchesType(value, attr.type)) continue;
    if (mode === "pedantic") {
      dead = true;
      elogEntries.push(
        entry(
          fn,
          `pedantic mode: attribute ${k} holds ${describe(value)}; the schema requires ${attr.type}. Type mismatches are not allowed in pedantic mode; the datum is killed`,
          "Invalid",
        ),
      );
      continue;
    }
    try {
      md.put(k, convertValue(value, attr.type) as MetadataValue);
      converted.push(k);
    } catch {
      if (attr.required) {
        dead = true;
        elogEntries.push(
          entry(
            fn,
            `cautious mode: required attribute ${k} holds ${describe(value)}, which cannot be converted to ${attr.type}; the datum is killed`,
            "Invalid",
          ),
        );
      } else {
        md.erase(k);
        elogEntries.push(
          entry(
            fn,
            `cautious mode: attribute ${k} holds ${describe(value)}, which cannot be converted to ${attr.type}; it was dropped`,
            "Complaint",
          ),
        );
      }
    }
  }
  if (converted.length > 0) {
    elogEntries.push(
      entry(
        fn,
        `cautious mode: values of these keys needed an automatic type conversion: ${converted.join(" ")} (cleaning the collection is recommended)`,
        "Informational",
      ),
    );
  }
  md.clearModified();
  return { md, elogEntries, dead };
}

/**
 * Metadata → document for a writer (MsPASS's md2doc).
 * All modes: aliases are renamed to their unique names (`dt` → `delta`; when
 * both are present the alias is dropped), blank strings, `excludeKeys`, `_id`
 * and normalized keys (`site_*`, `channel_*`, `source_*` except `*_id`) are
 * dropped. promiscuous stops there.
 * cautious/pedantic: a readonly key that was modified is saved as
 * `READONLYERROR_<key>` with a Complaint (MsPASS's message promises this, its
 * code then drops the renamed key; we save it); an unmodified readonly key is
 * dropped; keys not in the schema are dropped; a type mismatch is converted
 * (cautious: a required key that cannot be converted kills, another is dropped
 * with a Complaint) or kills (pedantic). Writer-owned keys (WF_WRITER_KEYS) are
 * exempt from the readonly and not-in-schema rules.
 */
export function metadataToDoc(
  md: Metadata | Readonly<Record<string, unknown>>,
  collection: string,
  mode: Mode,
  options: SaveOptions = {},
): SaveResult {
  const fn = "metadataToDoc";
  checkMode(mode, fn);
  const schema = checkSchema(options.schema, fn);
  const view = schema.view(collection);
  const exclude = checkExclude(options.excludeKeys, fn);
  const pairs = entriesOf(md, fn, "md");
  const modified = new Set<string>(
    options.modified ?? (md instanceof Metadata ? md.modified() : pairs.map(([k]) => k)),
  );
  const writerKeys = new Set<string>(
    options.writerKeys ?? (view.dataType !== undefined ? WF_WRITER_KEYS : []),
  );
  const normalizing = options.normalizingCollections ?? ["channel", "site", "source"];
  const elogEntries: LogEntry[] = [];
  let dead = false;

  // 1. aliases → unique names (a modified alias makes the unique key modified).
  const work = new Map<string, unknown>(pairs);
  for (const [k, v] of pairs) {
    if (!view.isAlias(k)) continue;
    const unique = view.uniqueName(k)!;
    work.delete(k);
    if (!work.has(unique)) {
      work.set(unique, v);
      if (modified.has(k)) modified.add(unique);
    }
  }
  // 2. blanks, excluded keys, _id, normalized copies.
  for (const [k, v] of [...work]) {
    const blank = typeof v === "string" && v.trim() === "";
    if (blank || exclude.has(k) || k === "_id" || isNormalizedKey(k, normalizing)) work.delete(k);
  }
  const doc: Record<string, MetadataValue> = {};
  if (mode === "promiscuous") {
    for (const [k, v] of work) doc[k] = v as MetadataValue;
    return { doc, elogEntries, dead };
  }

  // 3. readonly enforcement.
  for (const [k, v] of [...work]) {
    if (writerKeys.has(k) || !view.isDefined(k) || !view.isReadonly(k)) continue;
    work.delete(k);
    if (modified.has(k)) {
      const newKey = `READONLYERROR_${k}`;
      doc[newKey] = v as MetadataValue;
      elogEntries.push(
        entry(
          fn,
          `readonly attribute with key=${k} was improperly modified. Saved changed value with key=${newKey}`,
          "Complaint",
        ),
      );
    }
  }
  // 4. schema membership and types.
  for (const [k, v] of work) {
    const attr = view.get(k);
    if (attr === undefined) {
      if (writerKeys.has(k)) doc[k] = v as MetadataValue;
      continue; // not in the schema: dropped, as MsPASS does silently
    }
    if (matchesType(v, attr.type)) {
      doc[k] = v as MetadataValue;
      continue;
    }
    if (mode === "pedantic") {
      dead = true;
      elogEntries.push(
        entry(
          fn,
          `pedantic mode error: key=${k} holds ${describe(v)}, which does not match the schema type ${attr.type}; the datum is killed`,
          "Invalid",
        ),
      );
      continue;
    }
    try {
      doc[k] = convertValue(v, attr.type) as MetadataValue;
    } catch {
      if (attr.required) {
        dead = true;
        elogEntries.push(
          entry(
            fn,
            `cautious mode error: required key=${k} holds ${describe(v)}, which cannot be converted to ${attr.type}; the datum is killed`,
            "Invalid",
          ),
        );
      } else {
        elogEntries.push(
          entry(
            fn,
            `cautious mode error: key=${k} holds ${describe(v)}, which cannot be converted to ${attr.type}; it will not be saved`,
            "Complaint",
          ),
        );
      }
    }
  }
  return { doc, elogEntries, dead };
}
