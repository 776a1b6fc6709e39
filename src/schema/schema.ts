/**
 * Schema: the compiled form of a SchemaSpec (the default one or a user's
 * mspass.yaml), answering the questions readers and writers ask: which
 * collection does `wf` mean, what type is `delta`, is `dt` an alias, is
 * `site_lat` readonly.
 *
 * Compilation follows MsPASS's schema.py: a Database attribute with
 * `reference: R` takes its definition from collection R (`R_id` means R's
 * `_id`, following `base` links), and a Metadata entry with `collection: C`
 * takes its definition from C after stripping a `C_` prefix (`site_lat` →
 * `site.lat`), so it also inherits C's aliases. A Metadata entry without a
 * `readonly` flag is readonly.
 */
import { MsPASSError } from "../errors.js";
import { DEFAULT_SCHEMA } from "./default-schema.js";
import { invalid, parseSchemaYaml, readSchemaSource, specFromMsPASSObject } from "./load.js";
import type { CollectionSpec, Constraint, SchemaSpec } from "./spec.js";
import { normalizeTypeName, type AttributeType } from "./types.js";

/** A fully resolved attribute. */
export interface Attribute {
  readonly name: string;
  readonly type: AttributeType;
  readonly constraint: Constraint;
  readonly aliases: readonly string[];
  readonly concept?: string;
  /** For Database attributes: the collection referenced. */
  readonly reference?: string;
  /** For Metadata entries: the collection that defines it. */
  readonly collection?: string;
  /** For Metadata entries: the readonly flag as written (undefined = readonly). */
  readonly readonlyFlag?: boolean;
}

/** Attribute as seen by the read/write modes for one collection. */
export interface ViewAttribute extends Attribute {
  /** Effective readonly (missing flag ⇒ true). */
  readonly readonly: boolean;
  /** Required by the collection itself (only those can kill a datum on read). */
  readonly required: boolean;
}

export type DataType = "TimeSeries" | "Seismogram";

const NORMALIZING_COLLECTIONS = ["channel", "site", "source"] as const;

/**
 * MsPASS's rule for copies of normalizing-collection attributes (`site_lat`,
 * `channel_hang`, `source_time`, …): a key `<collection>_<rest>` whose second
 * `_`-separated word is not `id`. Such keys are never stored and are readonly.
 */
export function isNormalizedKey(
  key: string,
  collections: readonly string[] = NORMALIZING_COLLECTIONS,
): boolean {
  const parts = key.split("_");
  return parts.length >= 2 && parts[1] !== "id" && collections.includes(parts[0]!);
}

/** The SEED codes MsPASS also treats as normalized (readonly). */
const SEED_CODES = new Set(["net", "sta", "chan", "loc"]);

interface CompiledCollection {
  readonly name: string;
  readonly defaultName?: string;
  readonly dataType?: string;
  readonly attributes: ReadonlyMap<string, Attribute>;
  readonly aliases: ReadonlyMap<string, string>;
}

/** Lookup of one collection's attributes as the modes use them (see Schema.view). */
export class SchemaView {
  readonly #attrs: ReadonlyMap<string, ViewAttribute>;
  readonly #aliases: ReadonlyMap<string, string>;

  /** @internal built by Schema.view */
  constructor(
    readonly collection: string,
    readonly dataType: string | undefined,
    attrs: Map<string, ViewAttribute>,
    aliases: Map<string, string>,
  ) {
    this.#attrs = attrs;
    this.#aliases = aliases;
  }

  /** Attribute by unique name or alias. */
  get(key: string): ViewAttribute | undefined {
    return this.#attrs.get(key) ?? this.#attrs.get(this.#aliases.get(key) ?? "");
  }
  isDefined(key: string): boolean {
    return this.get(key) !== undefined;
  }
  isAlias(key: string): boolean {
    return !this.#attrs.has(key) && this.#aliases.has(key);
  }
  /** Unique name for a name or alias, undefined if unknown. */
  uniqueName(key: string): string | undefined {
    return this.#attrs.has(key) ? key : this.#aliases.get(key);
  }
  keys(): string[] {
    return [...this.#attrs.keys()];
  }
  /** Effective readonly: normalized keys always; defined keys by flag (missing ⇒ true); unknown keys false. */
  isReadonly(key: string): boolean {
    if (isNormalizedKey(key) || SEED_CODES.has(key)) return true;
    return this.get(key)?.readonly ?? false;
  }
}

export class Schema {
  static #default: Schema | undefined;

  readonly #spec: SchemaSpec;
  readonly #collections = new Map<string, CompiledCollection>();
  readonly #defaults = new Map<string, string>();
  readonly #metadata = new Map<
    string,
    { attributes: Map<string, Attribute>; aliases: Map<string, string> }
  >();
  readonly #views = new Map<string, SchemaView>();

  /** Compile and validate a spec; throws MsPASSError("The schema definition is not valid: …", "Fatal"). */
  constructor(spec: SchemaSpec) {
    if (
      typeof spec !== "object" ||
      spec === null ||
      typeof spec.database !== "object" ||
      typeof spec.metadata !== "object"
    ) {
      throw invalid("a schema needs database and metadata sections");
    }
    this.#spec = spec;
    this.#compileDatabase();
    for (const required of ["wf", "elog", "history_object"]) {
      if (!this.#defaults.has(required) && !this.#collections.has(required)) {
        throw invalid(
          `"${required}" must be a collection name or the default of one (wf, elog and history_object are required)`,
        );
      }
    }
    this.#compileMetadata();
  }

  /** The project's default schema (MsPASS's mspass.yaml content). Shared and immutable. */
  static default(): Schema {
    Schema.#default ??= new Schema(DEFAULT_SCHEMA);
    return Schema.#default;
  }

  /** Load a MsPASS-format mspass.yaml given as a file path or as yaml text. */
  static fromYaml(pathOrText: string): Schema {
    const { text, origin } = readSchemaSource(pathOrText);
    return new Schema(parseSchemaYaml(text, origin));
  }

  /** From an already-parsed MsPASS-format object (`{ Database: …, Metadata: … }`). */
  static fromObject(raw: unknown): Schema {
    return new Schema(specFromMsPASSObject(raw));
  }

  /** The spec this schema was compiled from. */
  get spec(): SchemaSpec {
    return this.#spec;
  }

  collectionNames(): string[] {
    return [...this.#collections.keys()];
  }

  hasCollection(name: string): boolean {
    return this.#collections.has(name);
  }

  /** `wf` → `wf_TimeSeries`; a collection name resolves to itself; anything else throws MsPASSError. */
  resolveCollection(name: string): string {
    if (typeof name !== "string")
      throw new MsPASSError(
        `Schema.resolveCollection: collection must be a string, got ${typeof name}`,
        "Invalid",
      );
    const resolved = this.#defaults.get(name) ?? (this.#collections.has(name) ? name : undefined);
    if (resolved === undefined) {
      throw new MsPASSError(
        `Schema: unknown collection "${name}" (not a collection or a default name in the schema)`,
        "Invalid",
      );
    }
    return resolved;
  }

  /** data_type of a (resolved) collection, if any. */
  dataType(collection: string): string | undefined {
    return this.#collection(collection).dataType;
  }

  /** Database attribute of a collection by unique name or alias. */
  attribute(collection: string, key: string): Attribute | undefined {
    const c = this.#collection(collection);
    return c.attributes.get(key) ?? c.attributes.get(c.aliases.get(key) ?? "");
  }

  attributes(collection: string): Attribute[] {
    return [...this.#collection(collection).attributes.values()];
  }

  isDefined(collection: string, key: string): boolean {
    return this.attribute(collection, key) !== undefined;
  }

  isAlias(collection: string, key: string): boolean {
    const c = this.#collection(collection);
    return !c.attributes.has(key) && c.aliases.has(key);
  }

  uniqueName(collection: string, key: string): string | undefined {
    const c = this.#collection(collection);
    return c.attributes.has(key) ? key : c.aliases.get(key);
  }

  requiredKeys(collection: string): string[] {
    return this.attributes(collection)
      .filter((a) => a.constraint === "required")
      .map((a) => a.name);
  }

  /** Names of the Metadata sections (e.g. TimeSeries, Seismogram, Other). */
  metadataSections(): string[] {
    return [...this.#metadata.keys()];
  }

  /** Compiled entry of a Metadata section by name or alias. */
  metadataAttribute(section: string, key: string): Attribute | undefined {
    const s = this.#metadata.get(section);
    if (s === undefined) throw new MsPASSError(`Schema: unknown Metadata section "${section}"`, "Invalid");
    return s.attributes.get(key) ?? s.attributes.get(s.aliases.get(key) ?? "");
  }

  /**
   * Is `key` readonly for data of `collection` (default `wf_TimeSeries`)?
   * Normalized keys (`net`, `sta`, `chan`, `loc`, `site_*`, `channel_*`,
   * `source_*` but not `*_id`) are readonly; a defined key without a readonly
   * flag is readonly; a key the schema does not define is not.
   */
  isReadonly(key: string, collection = "wf_TimeSeries"): boolean {
    return this.view(collection).isReadonly(key);
  }

  /**
   * The attribute set the read/write modes use for `collection`: the
   * collection's own attributes plus, for a waveform collection, the Metadata
   * section of its data type (which adds normalized keys such as `site_lat` and
   * carries the readonly flags). MsPASS checks only the Metadata section; also
   * admitting the wf collection's own keys (`starttime_shift`, `endtime`,
   * `data_tag`, …) keeps cautious reads from dropping them.
   */
  view(collection: string): SchemaView {
    const name = this.resolveCollection(collection);
    let v = this.#views.get(name);
    if (v !== undefined) return v;
    const col = this.#collections.get(name)!;
    const attrs = new Map<string, ViewAttribute>();
    for (const a of col.attributes.values()) {
      attrs.set(a.name, { ...a, readonly: true, required: a.constraint === "required" });
    }
    const section = col.dataType === undefined ? undefined : this.#metadata.get(col.dataType);
    if (section !== undefined) {
      for (const m of section.attributes.values()) {
        const own = attrs.get(m.name);
        attrs.set(m.name, {
          ...m,
          aliases: own === undefined ? m.aliases : [...new Set([...own.aliases, ...m.aliases])],
          readonly: m.readonlyFlag ?? true,
          required: own?.required ?? false,
        });
      }
    }
    const aliases = new Map<string, string>();
    for (const a of attrs.values()) {
      for (const al of a.aliases) if (!attrs.has(al) && !aliases.has(al)) aliases.set(al, a.name);
    }
    v = new SchemaView(name, col.dataType, attrs, aliases);
    this.#views.set(name, v);
    return v;
  }

  // ---- compilation ------------------------------------------------------------------

  #collection(name: string): CompiledCollection {
    return this.#collections.get(this.resolveCollection(name))!;
  }

  #compileDatabase(): void {
    const db = this.#spec.database;
    const names = Object.keys(db);
    if (names.length === 0) throw invalid("the Database section defines no collection");
    for (const name of names) {
      const col = db[name]!;
      if (
        typeof col !== "object" ||
        col === null ||
        typeof col.attributes !== "object" ||
        col.attributes === null
      ) {
        throw invalid(`Database.${name} has no attribute definitions`);
      }
      if (col.default !== undefined) {
        if (typeof col.default !== "string") throw invalid(`Database.${name}.default must be a string`);
        this.#defaults.set(col.default, name);
      }
      if (col.base !== undefined && !names.includes(col.base))
        throw invalid(`Database.${name}.base "${col.base}" is not a collection`);
    }
    for (const name of names) {
      const col = db[name]!;
      const attributes = new Map<string, Attribute>();
      const aliases = new Map<string, string>();
      for (const key of Object.keys(col.attributes)) {
        const a = this.#resolveDbAttribute(name, key, []);
        attributes.set(key, a);
        for (const al of col.attributes[key]!.aliases ?? []) if (al !== key) aliases.set(al, key);
      }
      this.#collections.set(
        name,
        strip({ name, defaultName: col.default, dataType: col.dataType, attributes, aliases }),
      );
    }
  }

  /** Resolve `collection.key`, following `reference` (and `base`) recursively. */
  #resolveDbAttribute(collection: string, key: string, chain: string[]): Attribute {
    const where = `Database.${collection}.schema.${key}`;
    const here = `${collection}.${key}`;
    if (chain.includes(here)) throw invalid(`${where}: circular reference ${[...chain, here].join(" → ")}`);
    const spec = this.#spec.database[collection]!.attributes[key]!;
    if (typeof spec !== "object" || spec === null) throw invalid(`${where} must be a mapping`);
    if (
      spec.constraint !== undefined &&
      !["required", "xref_key", "normal", "optional"].includes(spec.constraint)
    ) {
      throw invalid(`${where}.constraint "${String(spec.constraint)}" is not valid`);
    }
    let foreign: Attribute | undefined;
    if (spec.reference !== undefined) {
      if (this.#spec.database[spec.reference] === undefined)
        throw invalid(`${where}.reference "${spec.reference}" is not a collection`);
      const fkey = key === `${spec.reference}_id` ? "_id" : key;
      const owner = this.#findInBaseChain(spec.reference, fkey);
      if (owner === undefined)
        throw invalid(`${where} references ${spec.reference}.${fkey}, which is not defined`);
      foreign = this.#resolveDbAttribute(owner, fkey, [...chain, here]);
    }
    const typeName = spec.type ?? foreign?.type;
    const type = normalizeTypeName(typeName);
    if (type === undefined) {
      throw invalid(
        typeName === undefined
          ? `${where} has no type`
          : `${where}.type "${String(typeName)}" is not a MsPASS type`,
      );
    }
    return strip({
      name: key,
      type,
      constraint: spec.constraint ?? foreign?.constraint ?? "normal",
      aliases: (spec.aliases ?? []).filter((al) => al !== key),
      concept: spec.concept ?? foreign?.concept,
      reference: spec.reference,
    });
  }

  #findInBaseChain(collection: string, key: string): string | undefined {
    const seen = new Set<string>();
    let c: string | undefined = collection;
    while (c !== undefined && !seen.has(c)) {
      seen.add(c);
      const spec: CollectionSpec | undefined = this.#spec.database[c];
      if (spec === undefined) return undefined;
      if (spec.attributes[key] !== undefined) return c;
      c = spec.base;
    }
    return undefined;
  }

  #compileMetadata(): void {
    for (const [section, entries] of Object.entries(this.#spec.metadata)) {
      if (typeof entries !== "object" || entries === null)
        throw invalid(`Metadata.${section} must be a mapping`);
      const attributes = new Map<string, Attribute>();
      const aliases = new Map<string, string>();
      for (const [key, spec] of Object.entries(entries)) {
        const where = `Metadata.${section}.schema.${key}`;
        if (spec.readonly !== undefined && typeof spec.readonly !== "boolean")
          throw invalid(`${where}.readonly must be a boolean`);
        let foreign: Attribute | undefined;
        if (spec.collection !== undefined) {
          const colName = this.#defaults.get(spec.collection) ?? spec.collection;
          if (!this.#collections.has(colName))
            throw invalid(`${where}.collection "${spec.collection}" is not a Database collection`);
          const skey = key.startsWith(`${spec.collection}_`) ? key.slice(spec.collection.length + 1) : key;
          foreign = this.#collections.get(colName)!.attributes.get(skey);
          if (foreign === undefined)
            throw invalid(`${where} refers to ${colName}.${skey}, which is not defined`);
        }
        const typeName = spec.type ?? foreign?.type;
        const type = normalizeTypeName(typeName);
        if (type === undefined) {
          throw invalid(
            typeName === undefined
              ? `${where} has no type`
              : `${where}.type "${String(typeName)}" is not a MsPASS type`,
          );
        }
        const attr: Attribute = strip({
          name: key,
          type,
          constraint: spec.constraint ?? foreign?.constraint ?? "normal",
          aliases: (spec.aliases ?? foreign?.aliases ?? []).filter((al) => al !== key),
          concept: spec.concept ?? foreign?.concept,
          collection: spec.collection,
          readonlyFlag: spec.readonly,
        });
        attributes.set(key, attr);
        for (const al of attr.aliases) aliases.set(al, key);
      }
      this.#metadata.set(section, { attributes, aliases });
    }
  }
}

function strip<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
