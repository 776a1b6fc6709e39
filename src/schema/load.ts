/**
 * Reading a MsPASS-format `mspass.yaml` into a SchemaSpec, with the shape
 * checks MsPASS's `_check_format` applies. Semantic checks (references,
 * defaults) happen when the spec is compiled (schema.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { MsPASSError } from "../errors.js";
import { normalizeTypeName } from "./types.js";
import {
  CONSTRAINTS,
  type AttributeSpec,
  type CollectionSpec,
  type Constraint,
  type MetadataAttributeSpec,
  type SchemaSpec,
} from "./spec.js";

export function invalid(why: string): MsPASSError {
  return new MsPASSError(`The schema definition is not valid: ${why}`, "Fatal");
}

/**
 * Text of a schema given as yaml text or a file path. A string with a newline
 * is yaml text; otherwise it is a path, looked up as given and then, as MsPASS
 * does, under `$MSPASS_HOME/data/yaml/`.
 */
export function readSchemaSource(pathOrText: string): { text: string; origin: string } {
  if (typeof pathOrText !== "string" || pathOrText.length === 0) {
    throw new MsPASSError("Schema.fromYaml: pathOrText must be a non-empty string", "Fatal");
  }
  if (pathOrText.includes("\n")) return { text: pathOrText, origin: "<yaml text>" };
  let file = pathOrText;
  const home = process.env.MSPASS_HOME;
  if (!existsSync(file) && home !== undefined) {
    const candidate = path.join(path.resolve(home), "data", "yaml", pathOrText);
    if (existsSync(candidate)) file = candidate;
  }
  try {
    return { text: readFileSync(file, "utf8"), origin: file };
  } catch (e) {
    throw new MsPASSError(`Cannot open schema definition file: ${file}: ${(e as Error).message}`, "Fatal", {
      cause: e,
    });
  }
}

/** Parse yaml text (with `<<` merge keys, which mspass.yaml relies on) and translate it. */
export function parseSchemaYaml(text: string, origin: string): SchemaSpec {
  let raw: unknown;
  try {
    raw = parseYaml(text, { merge: true });
  } catch (e) {
    throw new MsPASSError(
      `Cannot parse schema definition file: ${origin}: ${(e as Error).message}`,
      "Fatal",
      { cause: e },
    );
  }
  return specFromMsPASSObject(raw);
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function aliasesOf(v: unknown, where: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  // MsPASS accepts a single string or a list; list items are stringified.
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.map((x) => String(x));
  throw invalid(`${where}.aliases must be a string or a list of strings`);
}

function optString(v: unknown, where: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw invalid(`${where} must be a string`);
  return v;
}

function checkType(v: unknown, where: string, required: boolean): string | undefined {
  if (v === undefined) {
    if (required) throw invalid(`${where}.type is required (no reference/collection supplies it)`);
    return undefined;
  }
  if (normalizeTypeName(v) === undefined)
    throw invalid(`${where}.type ${JSON.stringify(v)} is not a MsPASS type`);
  return v as string;
}

function checkConstraint(v: unknown, where: string): Constraint | undefined {
  if (v === undefined) return undefined;
  if (!(CONSTRAINTS as readonly unknown[]).includes(v)) {
    throw invalid(`${where}.constraint ${JSON.stringify(v)} must be one of ${CONSTRAINTS.join(", ")}`);
  }
  return v as Constraint;
}

/** Translate the parsed yaml object (`Database:` / `Metadata:` sections) into a SchemaSpec. */
export function specFromMsPASSObject(raw: unknown): SchemaSpec {
  if (!isMap(raw)) throw invalid("the top level must be a mapping with Database and Metadata sections");
  if (!isMap(raw.Database)) throw invalid("the Database section is missing or not a mapping");
  if (!isMap(raw.Metadata)) throw invalid("the Metadata section is missing or not a mapping");
  const collections = Object.keys(raw.Database);

  const database: Record<string, CollectionSpec> = {};
  for (const [name, col] of Object.entries(raw.Database)) {
    const where = `Database.${name}`;
    if (!isMap(col)) throw invalid(`${where} must be a mapping`);
    if (!isMap(col.schema)) throw invalid(`${where}.schema is missing or not a mapping`);
    const base = optString(col.base, `${where}.base`);
    if (base !== undefined && !collections.includes(base))
      throw invalid(`${where}.base "${base}" is not a collection`);
    const attributes: Record<string, AttributeSpec> = {};
    for (const [key, attr] of Object.entries(col.schema)) {
      const w = `${where}.schema.${key}`;
      if (!isMap(attr)) throw invalid(`${w} must be a mapping`);
      const reference = optString(attr.reference, `${w}.reference`);
      if (reference !== undefined && !collections.includes(reference)) {
        throw invalid(`${w}.reference "${reference}" is not a collection`);
      }
      attributes[key] = strip({
        type: checkType(attr.type, w, reference === undefined),
        concept: optString(attr.concept, `${w}.concept`),
        aliases: aliasesOf(attr.aliases, w),
        constraint: checkConstraint(attr.constraint, w),
        reference,
      });
    }
    database[name] = strip({
      default: optString(col.default, `${where}.default`),
      dataType: optString(col.data_type, `${where}.data_type`),
      base,
      attributes,
    });
  }

  const metadata: Record<string, Record<string, MetadataAttributeSpec>> = {};
  for (const [section, body] of Object.entries(raw.Metadata)) {
    const where = `Metadata.${section}`;
    if (!isMap(body)) throw invalid(`${where} must be a mapping`);
    if (!isMap(body.schema)) throw invalid(`${where}.schema is missing or not a mapping`);
    const out: Record<string, MetadataAttributeSpec> = {};
    for (const [key, attr] of Object.entries(body.schema)) {
      const w = `${where}.schema.${key}`;
      if (!isMap(attr)) throw invalid(`${w} must be a mapping`);
      const collection = optString(attr.collection, `${w}.collection`);
      if (collection !== undefined && !collections.includes(collection)) {
        throw invalid(`${w}.collection "${collection}" is not a Database collection`);
      }
      if (attr.readonly !== undefined && typeof attr.readonly !== "boolean")
        throw invalid(`${w}.readonly must be a boolean`);
      out[key] = strip({
        collection,
        readonly: attr.readonly as boolean | undefined,
        type: checkType(attr.type, w, collection === undefined),
        concept: optString(attr.concept, `${w}.concept`),
        aliases: aliasesOf(attr.aliases, w),
        constraint: checkConstraint(attr.constraint, w),
      });
    }
    metadata[section] = out;
  }
  return { database, metadata };
}

/** Drop undefined fields so specs compare and print cleanly. */
function strip<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
