/**
 * Option checking for `Database.readData` / `Database.saveData` (MsPASS's
 * `read_data` / `save_data` keywords in camelCase). Everything a caller can
 * get wrong is rejected here with an `MsPASSError` naming the option, before
 * any I/O: only caller mistakes throw; problems with data never do.
 */
import { statSync } from "node:fs";
import path from "node:path";
import { MsPASSError } from "../errors.js";
import { Metadata } from "../data/metadata.js";
import { Schema } from "../schema/schema.js";
import { MODES, type Mode } from "../schema/modes.js";
import { isDocument } from "./bson.js";
import type { NormalizeListItem } from "../normalize/read-hook.js";
import { S3Connection } from "../s3/fetch.js";
import type { FileFormat, S3SavePlan } from "./storage/types.js";
import { checkKeys, optBool, optString, describe } from "../option-checks.js";

/** The object types a waveform collection can hold. */
export type WfDataType = "TimeSeries" | "Seismogram";

export interface ReadDataOptions {
  /**
   * Waveform collection deciding the object type: "wf" (= "wf_TimeSeries",
   * the default) or "wf_Seismogram". For a cursor the default is the cursor's
   * own collection when the schema gives it a data type.
   */
  collection?: string;
  /** "promiscuous" (default), "cautious" or "pedantic". */
  mode?: Mode;
  /** Document keys not copied into the datum's Metadata. */
  excludeKeys?: readonly string[];
  /** Only documents with this `data_tag` are read. */
  dataTag?: string;
  /** Cursor reads: keys put into the ensemble's Metadata, last. */
  ensembleMetadata?: Metadata | Readonly<Record<string, unknown>>;
  /**
   * Matchers applied to each datum (ensemble member) once built: collection
   * names ("channel", "site", "source" → ObjectIdDBMatcher), `{collection,
   * attributesToLoad, loadIfDefined}`, or matchers. See src/normalize/read-hook.ts.
   */
  normalize?: readonly NormalizeListItem[];
  /** S3 storage modes: the connection to read with (default: `fetchS3Connection()`, the worker's S3Worker client). */
  s3?: S3Connection;
  /** S3 storage modes: bucket for documents without `s3_bucket` (default: the connection's bucket, else "scedc-pds" as MsPASS). */
  s3Bucket?: string;
  /** miniSEED (`format: "mseed"`): obspy's merge `method` for gaps/overlaps inside a segment: -1, 0 (default) or 1. */
  mergeMethod?: -1 | 0 | 1;
  /**
   * miniSEED: obspy's merge `fill_value`: a number, "latest", "interpolate",
   * or absent/null (default): gaps become zeros and are listed in the
   * datum's `gaps` with `has_gap: true`.
   */
  mergeFillValue?: number | "latest" | "interpolate" | null;
  /** miniSEED: obspy's `interpolation_samples` (method 1 only; default 0, -1 = all). */
  mergeInterpolationSamples?: number;
}

/** The merge options as the core takes them (binding `MseedMergeOptions`). */
export interface ResolvedMerge {
  method: number;
  fillNumber?: number;
  fillMode?: "latest" | "interpolate";
  interpolationSamples: number;
}

export interface SaveDataOptions {
  /** "promiscuous" (default), "cautious" or "pedantic": how Metadata becomes the document. */
  mode?: Mode;
  /** "gridfs" (default), "file", or "s3" (one S3 object of raw binary per datum: see `s3Bucket`, `s3KeyPrefix`, `s3`). */
  storageMode?: "gridfs" | "file" | "s3";
  /** storageMode "s3": bucket (default: the connection's, else "scedc-pds"). */
  s3Bucket?: string;
  /** storageMode "s3": prefix of the generated object keys (default "mspass/"); keys are `<prefix><uuid>.bin`. */
  s3KeyPrefix?: string;
  /** storageMode "s3": the connection (default: `fetchS3Connection()`, the worker's S3Worker client). */
  s3?: S3Connection;
  /** File mode: directory (argument, else Metadata `dir`, else the working directory; created if needed). */
  dir?: string;
  /** File mode: file name (argument, else Metadata `dfile`, else `<uuid4>-binary`). */
  dfile?: string;
  /**
   * File mode: "binary" (raw f64; recorded in the document when given) or
   * "mseed" (miniSEED 2: Steim2 when every sample is an int32 integer, else
   * FLOAT64 as obspy writes float64 data; TimeSeries with a channel code only).
   */
  format?: FileFormat;
  /** GridFS: delete the datum's previous GridFS file (its Metadata `gridfs_id`) once the new one is stored. */
  overwrite?: boolean;
  /** Metadata keys not saved. */
  excludeKeys?: readonly string[];
  /** Waveform collection; defaults to the datum's type (wf_TimeSeries / wf_Seismogram). */
  collection?: string;
  /** Stored as `data_tag` (an existing `data_tag` is dropped when not given, as MsPASS does). */
  dataTag?: string;
  /** Dead data are discarded instead of being buried in `cemetery` / `abortions`. */
  cremate?: boolean;
  /** Return the (updated) datum instead of `{ isLive, _id }`. */
  returnData?: boolean;
}

const READ_KEYS = [
  "collection",
  "mode",
  "excludeKeys",
  "dataTag",
  "ensembleMetadata",
  "normalize",
  "s3",
  "s3Bucket",
  "mergeMethod",
  "mergeFillValue",
  "mergeInterpolationSamples",
] as const;
const SAVE_KEYS = [
  "mode",
  "storageMode",
  "dir",
  "dfile",
  "format",
  "overwrite",
  "excludeKeys",
  "collection",
  "dataTag",
  "cremate",
  "returnData",
  "s3",
  "s3Bucket",
  "s3KeyPrefix",
] as const;

export interface ResolvedRead {
  collection: string;
  dataType: WfDataType;
  mode: Mode;
  excludeKeys: string[];
  dataTag: string | undefined;
  ensembleMetadata: Metadata | undefined;
  s3: S3Connection | undefined;
  s3Bucket: string | undefined;
  merge: ResolvedMerge;
}

export interface ResolvedSave {
  collection: string;
  dataType: WfDataType;
  mode: Mode;
  storageMode: "gridfs" | "file" | "s3";
  /** storageMode "s3" only. */
  s3: S3SavePlan | undefined;
  dir: string | undefined;
  dfile: string | undefined;
  format: FileFormat | undefined;
  overwrite: boolean;
  excludeKeys: string[];
  dataTag: string | undefined;
  cremate: boolean;
  returnData: boolean;
}

export function checkModeOption(mode: unknown, fn: string): Mode {
  if (mode === undefined) return "promiscuous";
  if (!(MODES as readonly unknown[]).includes(mode)) {
    throw new MsPASSError(
      `${fn}: unknown mode ${JSON.stringify(mode)}; must be one of ${MODES.join(", ")}`,
      "Fatal",
    );
  }
  return mode as Mode;
}

function excludeKeysOption(v: unknown, fn: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((k) => typeof k !== "string")) {
    throw new MsPASSError(`${fn}: excludeKeys must be an array of strings`, "Invalid");
  }
  return [...(v as string[])];
}

/**
 * Resolve a waveform collection name through the schema (`wf` →
 * `wf_TimeSeries`) and check it holds TimeSeries or Seismogram data.
 */
export function resolveWfCollection(
  schema: Schema,
  name: unknown,
  fn: string,
): { collection: string; dataType: WfDataType } {
  if (typeof name !== "string" || name === "") {
    throw new MsPASSError(`${fn}: collection must be a non-empty string, got ${describe(name)}`, "Fatal");
  }
  let collection: string;
  try {
    collection = schema.resolveCollection(name);
  } catch {
    throw new MsPASSError(`${fn}: unknown collection "${name}" (not defined in the schema)`, "Fatal");
  }
  const dataType = schema.dataType(collection);
  if (dataType !== "TimeSeries" && dataType !== "Seismogram") {
    throw new MsPASSError(
      `${fn}: collection "${name}" holds ${dataType === undefined ? "no waveform data type" : `data_type ${dataType}`}; ` +
        "only TimeSeries and Seismogram collections can be read or saved",
      "Fatal",
    );
  }
  return { collection, dataType };
}

/** The wf collection a cursor's own collection stands for, if the schema gives it a waveform data type. */
export function wfCollectionOf(schema: Schema, name: string): string | undefined {
  if (!schema.hasCollection(name)) return undefined;
  const t = schema.dataType(name);
  return t === "TimeSeries" || t === "Seismogram" ? name : undefined;
}

export function resolveReadOptions(
  schema: Schema,
  options: unknown,
  defaultCollection: string,
): ResolvedRead {
  const fn = "Database.readData";
  const o = checkKeys(options, READ_KEYS, fn);
  const { collection, dataType } = resolveWfCollection(schema, o.collection ?? defaultCollection, fn);
  let ensembleMetadata: Metadata | undefined;
  if (o.ensembleMetadata !== undefined) {
    const em = o.ensembleMetadata;
    if (!(em instanceof Metadata) && !isDocument(em)) {
      throw new MsPASSError(
        `${fn}: ensembleMetadata must be a Metadata or a plain object, got ${describe(em)}`,
        "Invalid",
      );
    }
    ensembleMetadata = new Metadata(em as Metadata | Record<string, unknown>);
  }
  return {
    collection,
    dataType,
    mode: checkModeOption(o.mode, fn),
    excludeKeys: excludeKeysOption(o.excludeKeys, fn),
    dataTag: optString(o.dataTag, "dataTag", fn),
    ensembleMetadata,
    s3: s3Option(o.s3, fn),
    s3Bucket: optString(o.s3Bucket, "s3Bucket", fn),
    merge: mergeOptions(o, fn),
  };
}

/** Checks readData's miniSEED merge options (mergeMethod, mergeFillValue, mergeInterpolationSamples) of `o`; exported for readDistributedData, which checks them on the caller. */
export function mergeOptions(o: Record<string, unknown>, fn: string): ResolvedMerge {
  const method = o.mergeMethod ?? 0;
  if (method !== -1 && method !== 0 && method !== 1) {
    throw new MsPASSError(
      `${fn}: mergeMethod must be -1, 0 or 1 (obspy's merge methods), got ${describe(method)}`,
      "Invalid",
    );
  }
  const is = o.mergeInterpolationSamples ?? 0;
  if (typeof is !== "number" || !Number.isInteger(is) || is < -1) {
    throw new MsPASSError(
      `${fn}: mergeInterpolationSamples must be an integer >= -1, got ${describe(is)}`,
      "Invalid",
    );
  }
  const fill = o.mergeFillValue;
  const out: ResolvedMerge = { method, interpolationSamples: is };
  if (fill === undefined || fill === null) return out;
  if (typeof fill === "number" && Number.isFinite(fill)) return { ...out, fillNumber: fill };
  if (fill === "latest" || fill === "interpolate") return { ...out, fillMode: fill };
  throw new MsPASSError(
    `${fn}: mergeFillValue must be a finite number, "latest", "interpolate" or null, got ${describe(fill)}`,
    "Invalid",
  );
}

function s3Option(v: unknown, fn: string): S3Connection | undefined {
  if (v === undefined) return undefined;
  if (!(v instanceof S3Connection))
    throw new MsPASSError(
      `${fn}: s3 must be an S3Connection (fetchS3Connection()), got ${describe(v)}`,
      "Invalid",
    );
  return v;
}

export function resolveSaveOptions(schema: Schema, options: unknown, datumType: WfDataType): ResolvedSave {
  const fn = "Database.saveData";
  const o = checkKeys(options, SAVE_KEYS, fn);
  const { collection, dataType } = resolveWfCollection(schema, o.collection ?? `wf_${datumType}`, fn);
  if (dataType !== datumType) {
    throw new MsPASSError(
      `${fn}: collection "${String(o.collection)}" holds ${dataType} data, but the datum is a ${datumType}`,
      "Fatal",
    );
  }
  const storageMode = o.storageMode ?? "gridfs";
  if (storageMode !== "gridfs" && storageMode !== "file" && storageMode !== "s3") {
    throw new MsPASSError(
      `${fn}: storageMode must be "gridfs", "file" or "s3", got ${JSON.stringify(storageMode)}`,
      "Fatal",
    );
  }
  if (
    storageMode !== "s3" &&
    (o.s3 !== undefined || o.s3Bucket !== undefined || o.s3KeyPrefix !== undefined)
  ) {
    throw new MsPASSError(`${fn}: s3, s3Bucket and s3KeyPrefix apply only to storageMode "s3"`, "Invalid");
  }
  if (o.format !== undefined && o.format !== "binary" && o.format !== "mseed") {
    throw new MsPASSError(
      `${fn}: format ${JSON.stringify(o.format)} is not supported; "binary" (or no format) and "mseed" are written`,
      "Fatal",
    );
  }
  if (o.format === "mseed" && storageMode !== "file") {
    throw new MsPASSError(
      `${fn}: format "mseed" is written to files only: use storageMode "file"`,
      "Invalid",
    );
  }
  const dfile = optString(o.dfile, "dfile", fn);
  if (dfile !== undefined && /[/\\\0]/.test(dfile)) {
    throw new MsPASSError(
      `${fn}: dfile must be a file name without a directory part, got ${JSON.stringify(dfile)}`,
      "Invalid",
    );
  }
  return {
    collection,
    dataType,
    mode: checkModeOption(o.mode, fn),
    storageMode,
    s3:
      storageMode === "s3"
        ? {
            connection: s3Option(o.s3, fn),
            bucket: optString(o.s3Bucket, "s3Bucket", fn),
            keyPrefix: optString(o.s3KeyPrefix, "s3KeyPrefix", fn),
          }
        : undefined,
    dir: optString(o.dir, "dir", fn),
    dfile,
    format: o.format as "binary" | undefined,
    overwrite: optBool(o.overwrite, "overwrite", fn),
    excludeKeys: excludeKeysOption(o.excludeKeys, fn),
    dataTag: optString(o.dataTag, "dataTag", fn),
    cremate: optBool(o.cremate, "cremate", fn),
    returnData: optBool(o.returnData, "returnData", fn),
  };
}

/**
 * Parsed yaml schemas by path, reused while the file is unchanged: worker
 * tasks may make a Database per task, and parsing mspass.yaml takes
 * milliseconds.
 */
const yamlCache = new Map<string, { mtimeMs: number; size: number; schema: Schema }>();

function loadYamlCached(pathOrName: string): Schema {
  let st: { mtimeMs: number; size: number } | undefined;
  try {
    st = statSync(pathOrName);
  } catch {
    st = undefined; // not a plain path (yaml text, or a name under MSPASS_HOME): no cache
  }
  if (st === undefined) return Schema.fromYaml(pathOrName);
  const key = path.resolve(pathOrName);
  const hit = yamlCache.get(key);
  if (hit !== undefined && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.schema;
  const schema = Schema.fromYaml(pathOrName);
  yamlCache.set(key, { mtimeMs: st.mtimeMs, size: st.size, schema });
  return schema;
}

/**
 * The Database's schema option: undefined → the default schema; a string →
 * a MsPASS-format yaml file (path, or a name found under
 * `$MSPASS_HOME/data/yaml/`; "mspass"/"mspass.yaml" with no such file is the
 * built-in default, which is MsPASS's mspass.yaml); a Schema → itself.
 */
export function resolveSchemaOption(schema: unknown, what: string): Schema {
  if (schema === undefined || schema === null) return Schema.default();
  if (schema instanceof Schema) return schema;
  if (typeof schema === "string") {
    try {
      return loadYamlCached(schema);
    } catch (err) {
      if (schema === "mspass" || schema === "mspass.yaml") return Schema.default();
      throw new MsPASSError(`${what}: schema ${JSON.stringify(schema)}: ${(err as Error).message}`, "Fatal", {
        cause: err,
      });
    }
  }
  throw new MsPASSError(
    `${what}: schema must be a Schema or a path to a MsPASS yaml file, got ${describe(schema)}`,
    "Fatal",
  );
}
