/**
 * `Database`: one database on the shared connection pool, and the home of
 * MsPASS's database API (schema-aware `readData`/`saveData` are added by the
 * data-I/O layer). This file holds only collection access.
 *
 * MsPASS code writes `db.wf_TimeSeries` for `db["wf_TimeSeries"]`; a Proxy
 * gives the same here for any string property the class does not define.
 * The standard MsPASS collections also exist as typed getters so TypeScript
 * code gets `Collection` types for them.
 */
import type { Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import { native, toMsPASSError } from "../native.js";
import type { DatabaseClient } from "./database-client.js";
import { Collection } from "./collection.js";
import type { Schema } from "../schema/schema.js";
import type { ObjectId } from "mongodb";
import type { Metadata } from "../data/metadata.js";
import type { TimeSeries } from "../data/time-series.js";
import type { Seismogram } from "../data/seismogram.js";
import type { SeismogramEnsemble, TimeSeriesEnsemble } from "../data/ensemble.js";
import type { Cursor } from "./cursor.js";
import { resolveSchemaOption, type ReadDataOptions, type SaveDataOptions } from "./io-options.js";
import { readData, type ReadDataResult } from "./read.js";
import { saveData, type SaveDataResult } from "./save.js";
import {
  loadHistory,
  readDataWithHistory,
  saveDataWithHistory,
  saveHistory,
  type LoadHistoryOptions,
  type ReadDataHistoryOptions,
  type SaveDataHistoryOptions,
  type SaveHistoryOptions,
} from "./history/object-history.js";
import {
  updateData,
  updateMetadata,
  type UpdateDataOptions,
  type UpdateMetadataOptions,
} from "./maintenance/update.js";
import { deleteData, type DeleteDataOptions, type DeleteDataResult } from "./maintenance/delete.js";
import {
  clean,
  cleanCollection,
  type CleanCollectionOptions,
  type CleanOptions,
} from "./maintenance/clean.js";
import { verify, type VerifyOptions, type VerifyTest } from "./maintenance/verify.js";
import {
  saveCatalog,
  saveInventory,
  type SaveCatalogOptions,
  type SaveInventoryOptions,
  type SaveInventoryResult,
} from "../inventory/save.js";
import {
  getSeedChannel,
  getSeedSite,
  loadEvent,
  readInventory,
  type InventoryDocuments,
  type ReadInventoryOptions,
  type SeedChannelOptions,
  type SeedSiteOptions,
} from "../inventory/lookup.js";
import { indexMseedFile, type IndexMseedOptions, type IndexMseedResult } from "./mseed-index.js";
import { describe } from "../option-checks.js";
import type { IndexMseedReport } from "./mseed-index-report.js";

export interface DatabaseOptions {
  /**
   * The MsPASS schema (see src/schema): undefined → the default schema; a
   * path to a MsPASS-format yaml file (or a name under
   * `$MSPASS_HOME/data/yaml/`); or a `Schema`. Resolved at construction, so
   * an invalid one throws MsPASSError there.
   */
  schema?: unknown;
}

/**
 * Property names the Proxy never turns into collections: `then` (or `await
 * db` would treat the database as a promise), and names that inspection and
 * test tooling probe on arbitrary objects.
 */
const NOT_COLLECTIONS = new Set([
  "then",
  "catch",
  "finally",
  "toJSON",
  "inspect",
  "asymmetricMatch",
  "nodeType",
  "constructor",
]);

/**
 * Check a database name as MongoDB does: non-empty, shorter than 64 bytes,
 * none of `/\. "$*<>:|?` and no NUL.
 */
export function checkDatabaseName(name: unknown, what: string): string {
  if (
    typeof name !== "string" ||
    name === "" ||
    Buffer.byteLength(name) >= 64 ||
    /[/\\. "$*<>:|?\0]/.test(name)
  ) {
    throw new MsPASSError(
      `${what}: database name must be a non-empty string under 64 bytes without any of /\\. "$*<>:|? or NUL, got ${
        typeof name === "string" ? JSON.stringify(name) : describe(name)
      }`,
      "Invalid",
    );
  }
  return name;
}

export class Database {
  /** The client handle this database was obtained from. */
  readonly client: DatabaseClient;
  readonly name: string;
  readonly options: Readonly<DatabaseOptions>;
  /** The schema readData/saveData apply (resolved from `options.schema`). */
  readonly schema: Schema;
  /** Collection handles are cached so `db.site === db.site`. */
  private readonly collections = new Map<string, Collection>();

  constructor(client: DatabaseClient, name: string, options: DatabaseOptions = {}) {
    this.client = client;
    this.name = checkDatabaseName(name, "Database(name)");
    this.options = Object.freeze({ ...options });
    this.schema = resolveSchemaOption(options.schema, `Database(${name})`);
    // Real members (own, inherited, Object.prototype's) always win over
    // collection names. Methods run with `this` = the Proxy, so this class
    // keeps no #private fields; a subclass's #private fields work, because
    // its constructor already runs on the Proxy returned here.
    return new Proxy(this, {
      get(target, prop, receiver) {
        if (
          typeof prop === "string" &&
          !(prop in target) &&
          !NOT_COLLECTIONS.has(prop) &&
          !prop.startsWith("@@")
        ) {
          return (receiver as Database).collection(prop);
        }
        return Reflect.get(target, prop, receiver);
      },
    });
  }

  /** A handle on collection `name` (no server round trip). */
  collection<T extends Document = Document>(name: string): Collection<T> {
    let c = this.collections.get(name);
    if (c === undefined) {
      c = new Collection(this, name);
      this.collections.set(name, c);
    }
    return c as unknown as Collection<T>;
  }

  async listCollectionNames(): Promise<string[]> {
    const what = `Database.listCollectionNames(${this.name})`;
    this.client.assertOpen(what);
    try {
      return await native.listCollectionNames(this.client.connectionString, this.name);
    } catch (err) {
      throw toMsPASSError(err, what);
    }
  }

  /** Drop this database and all its collections. */
  async dropDatabase(): Promise<boolean> {
    const what = `Database.dropDatabase(${this.name})`;
    this.client.assertOpen(what);
    try {
      await native.dropDatabase(this.client.connectionString, this.name);
    } catch (err) {
      throw toMsPASSError(err, what);
    }
    return true;
  }

  /**
   * MsPASS's read_data: an ObjectId or a document → one TimeSeries /
   * Seismogram; a Cursor → an ensemble (read in one core call). Dead data
   * never throw: they come back dead with the reason in their elog. See
   * src/db/read.ts.
   */
  readData(
    arg: Cursor<Document>,
    options?: ReadDataOptions & ReadDataHistoryOptions,
  ): Promise<TimeSeriesEnsemble | SeismogramEnsemble>;
  readData(
    arg: ObjectId | Document | Metadata,
    options?: ReadDataOptions & ReadDataHistoryOptions,
  ): Promise<TimeSeries | Seismogram>;
  readData(arg: unknown, options?: ReadDataOptions & ReadDataHistoryOptions): Promise<ReadDataResult>;
  readData(arg: unknown, options?: ReadDataOptions & ReadDataHistoryOptions): Promise<ReadDataResult> {
    // History hook (loadHistory, src/db/history/object-history.ts) around the reader.
    return readDataWithHistory(this, arg, options, (a, o) =>
      readData(this, this.schema, a, o as ReadDataOptions),
    );
  }

  /**
   * MsPASS's save_data: samples to GridFS (default) or a file, then the wf
   * document; dead data buried (or cremated). Returns `{ isLive, _id }`
   * (ensembles: `{ isLive, ids }`) or, with `returnData`, the datum. See
   * src/db/save.ts.
   */
  saveData<D extends ReadDataResult>(
    datum: D,
    options: SaveDataOptions & SaveDataHistoryOptions & { returnData: true },
  ): Promise<D>;
  saveData(
    datum: ReadDataResult,
    options?: SaveDataOptions & SaveDataHistoryOptions & { returnData?: false },
  ): Promise<SaveDataResult>;
  saveData(
    datum: unknown,
    options?: SaveDataOptions & SaveDataHistoryOptions,
  ): Promise<SaveDataResult | ReadDataResult>;
  saveData(
    datum: unknown,
    options?: SaveDataOptions & SaveDataHistoryOptions,
  ): Promise<SaveDataResult | ReadDataResult> {
    // History hook (saveHistory, default true as MsPASS; src/db/history/object-history.ts) around the writer.
    return saveDataWithHistory(this, datum, options, (d, o) =>
      saveData(this, this.schema, d, o as SaveDataOptions),
    );
  }

  /**
   * Save a datum's processing history now (`history_object`), setting its
   * `history_object_id`; null for a dead datum or an empty history.
   */
  saveHistory(datum: TimeSeries | Seismogram, options?: SaveHistoryOptions): Promise<ObjectId | null> {
    return saveHistory(this, datum, options);
  }

  /** Load the stored history of a datum or of an ensemble's members (as `readData({ loadHistory: true })`). */
  loadHistory(datum: ReadDataResult, options?: LoadHistoryOptions): Promise<void> {
    return loadHistory(this, datum, options);
  }

  /** MsPASS's update_metadata: `$set` the datum's modified keys on its document. See src/db/maintenance/update.ts. */
  updateMetadata(
    datum: TimeSeries | Seismogram,
    options?: UpdateMetadataOptions,
  ): Promise<TimeSeries | Seismogram | null> {
    return updateMetadata(this, datum, options);
  }

  /** MsPASS's update_data: updateMetadata, then history, samples (GridFS) and elog. */
  updateData(
    datum: TimeSeries | Seismogram,
    options?: UpdateDataOptions,
  ): Promise<TimeSeries | Seismogram | null> {
    return updateData(this, datum, options);
  }

  /** MsPASS's delete_data: a wf document with its samples, history and elog. See src/db/maintenance/delete.ts. */
  deleteData(
    objectId: unknown,
    objectType: "TimeSeries" | "Seismogram",
    options?: DeleteDataOptions,
  ): Promise<DeleteDataResult> {
    return deleteData(this, objectId, objectType, options);
  }

  /** MsPASS's clean: repair one document against the schema; `{key: conversions}`. */
  clean(documentId: unknown, options?: CleanOptions): Promise<Record<string, number>> {
    return clean(this, documentId, options);
  }

  /** MsPASS's clean_collection: `clean` on every matching document, counts summed. */
  cleanCollection(options?: CleanCollectionOptions): Promise<Record<string, number>> {
    return cleanCollection(this, options);
  }

  /** MsPASS's verify: `{key: [failed tests]}` for one document. */
  verify(documentId: unknown, options?: VerifyOptions): Promise<Record<string, VerifyTest[]>> {
    return verify(this, documentId, options);
  }

  // Station and event metadata (src/inventory): thin wrappers.

  /** StationXML (paths or XML text) → `site` and `channel` documents (MsPASS save_inventory). */
  saveInventory(
    source: string | Buffer | readonly (string | Buffer)[],
    options?: SaveInventoryOptions,
  ): Promise<SaveInventoryResult> {
    return saveInventory(this, source, options);
  }

  /** QuakeML (paths or XML text) → `source` documents; resolves to the count (MsPASS save_catalog). */
  saveCatalog(
    source: string | Buffer | readonly (string | Buffer)[],
    options?: SaveCatalogOptions,
  ): Promise<number> {
    return saveCatalog(this, source, options);
  }

  getSeedSite(net: string, sta: string, options?: SeedSiteOptions): Promise<Document | null> {
    return getSeedSite(this, net, sta, options);
  }

  getSeedChannel(
    net: string,
    sta: string,
    chan: string,
    options?: SeedChannelOptions,
  ): Promise<Document | null> {
    return getSeedChannel(this, net, sta, chan, options);
  }

  readInventory(options?: ReadInventoryOptions): Promise<InventoryDocuments | null> {
    return readInventory(this, options);
  }

  loadEvent(sourceId: unknown): Promise<Document | null> {
    return loadEvent(this, sourceId);
  }

  /**
   * MsPASS's index_mseed_file: one wf_miniseed document per contiguous
   * segment of a miniSEED file (scanned in the Rust core). Returns
   * `[wfIds, elogIds]` with `returnIds`, else a report of what was indexed
   * and refused. See src/db/mseed-index.ts.
   */
  indexMseedFile(path: string, options: IndexMseedOptions & { returnIds: true }): Promise<IndexMseedResult>;
  indexMseedFile(
    path: string,
    options?: IndexMseedOptions & { returnIds?: false },
  ): Promise<IndexMseedReport>;
  indexMseedFile(path: string, options?: IndexMseedOptions): Promise<IndexMseedResult | IndexMseedReport>;
  indexMseedFile(path: string, options?: IndexMseedOptions): Promise<IndexMseedResult | IndexMseedReport> {
    return indexMseedFile(this, path, options);
  }

  // The standard MsPASS collections, typed for TypeScript users (any other
  // name works through the Proxy or `collection(name)`).
  get wf_TimeSeries(): Collection {
    return this.collection("wf_TimeSeries");
  }
  get wf_Seismogram(): Collection {
    return this.collection("wf_Seismogram");
  }
  get wf_miniseed(): Collection {
    return this.collection("wf_miniseed");
  }
  get site(): Collection {
    return this.collection("site");
  }
  get channel(): Collection {
    return this.collection("channel");
  }
  get source(): Collection {
    return this.collection("source");
  }
  get elog(): Collection {
    return this.collection("elog");
  }
  get history_object(): Collection {
    return this.collection("history_object");
  }
  get history_global(): Collection {
    return this.collection("history_global");
  }
  get abortions(): Collection {
    return this.collection("abortions");
  }
}
