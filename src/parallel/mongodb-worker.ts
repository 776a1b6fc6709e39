/**
 * `MongoDBWorker` (MsPASS's worker plugin of the same name): one database
 * client per scheduler worker, in `worker.data` under `dbclientKey`
 * ("dbclient"), where `fetchDbhandle(name)` finds it.
 *
 *     const plugin = new MongoDBWorker(client, { dbclientKey: "dbclient" });
 *     await scheduler.registerPlugin(plugin, { name: "mongodb_worker" });
 *
 * (`Client.connect()` registers one on its local scheduler automatically.)
 *
 * The instance IS the plugin spec the scheduler sends to its workers
 * (`{ module, export, options }`): each worker imports this module and
 * builds `new MongoDBWorker(options)`. `options` therefore holds only what
 * can be copied — the connection string, the pool options, the key and a
 * schema path — never a live object (MsPASS likewise pickles only the URL
 * and the key, issue #711).
 *
 * `setup(worker)` attaches a `DatabaseClient` handle to the process's ONE
 * Rust pool for that URI (no new `mongodb::Client`, no round trip, so a
 * restarted worker is usable at once and its setup cannot fail because the
 * server is briefly away); `teardown` closes the handle (the pool stays for
 * the other threads). A restarted worker runs setup again (the scheduler
 * does that for every registered plugin).
 */
import { inspect } from "node:util";
import { MsPASSError, maskCredentials } from "../errors.js";
import { DatabaseClient, type DatabaseClientOptions } from "../db/database-client.js";
import type { SchedulerWorker, WorkerPlugin } from "../scheduler/worker-context.js";
import { DEFAULT_DBCLIENT_KEY, setClientSchema } from "./fetch.js";

/** What crosses to the workers. */
export interface MongoDBWorkerWire {
  uri: string;
  dbclientKey: string;
  pool: DatabaseClientOptions;
  /** The Client's schema when it is a path/name (a Schema object cannot be copied; workers then use the default). */
  schema?: string;
}

export interface MongoDBWorkerOptions {
  /** `worker.data` key of the client (default "dbclient", as MsPASS). */
  dbclientKey?: string;
}

function isWire(v: unknown): v is MongoDBWorkerWire {
  if (typeof v !== "object" || v === null || Object.getPrototypeOf(v) !== Object.prototype) return false;
  const o = v as Record<string, unknown>;
  return typeof o.uri === "string" && typeof o.dbclientKey === "string";
}

/**
 * What this plugin takes of a MsPASS `Client`: its database client and its
 * schema option. Structural, so parallel/ does not depend on client/ (which
 * sits above it: a Client registers this plugin).
 */
export interface ClientLike {
  getDatabaseClient(): DatabaseClient;
  readonly options: { readonly schema?: unknown };
  readonly schedulerType: unknown;
}

function isClient(v: unknown): v is ClientLike {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as ClientLike).getDatabaseClient === "function" &&
    "schedulerType" in v
  );
}

function checkKey(key: unknown): string {
  if (key === undefined) return DEFAULT_DBCLIENT_KEY;
  if (typeof key !== "string" || key === "") {
    throw new MsPASSError(
      `MongoDBWorker: dbclientKey must be a non-empty string, got ${inspect(key)}`,
      "Invalid",
    );
  }
  return key;
}

export class MongoDBWorker implements WorkerPlugin {
  /** Plugin spec: the module each worker imports... */
  readonly module: string = import.meta.url;
  /** ...the export it builds... */
  readonly export = "MongoDBWorker";
  /** ...and the options it builds it with (copied to every worker). */
  readonly options: MongoDBWorkerWire;

  /**
   * @param client the MsPASS `Client` (its database client is used), a
   *   `DatabaseClient`, or a connection string. (In a worker, the scheduler
   *   calls this with the copied `options` instead.)
   */
  constructor(
    client: ClientLike | DatabaseClient | string | MongoDBWorkerWire,
    options: MongoDBWorkerOptions = {},
  ) {
    if (isWire(client)) {
      this.options = { ...client, dbclientKey: checkKey(client.dbclientKey), pool: client.pool ?? {} };
      return;
    }
    if (typeof options !== "object" || options === null) {
      throw new MsPASSError(
        'MongoDBWorker: options must be an object such as { dbclientKey: "dbclient" }',
        "Invalid",
      );
    }
    const dbclientKey = checkKey(options.dbclientKey);
    let db: DatabaseClient;
    let schema: string | undefined;
    if (isClient(client)) {
      // Duck-typed: importing client.js here would load the whole Client
      // (service, scheduler start) into every worker that builds this plugin.
      db = client.getDatabaseClient();
      const s = client.options.schema;
      if (typeof s === "string") schema = s;
    } else if (client instanceof DatabaseClient) {
      db = client;
    } else if (typeof client === "string") {
      db = DatabaseClient.attach(client);
    } else {
      throw new MsPASSError(
        `MongoDBWorker: expected a Client, a DatabaseClient or a connection string, got ${client === null ? "null" : typeof client}`,
        "Invalid",
      );
    }
    this.options = {
      uri: db.connectionString,
      dbclientKey,
      pool: { ...db.options },
      ...(schema === undefined ? {} : { schema }),
    };
  }

  /** The worker.data key. */
  get dbclientKey(): string {
    return this.options.dbclientKey;
  }

  /** The server address, credentials masked. */
  get address(): string {
    return maskCredentials(this.options.uri);
  }

  setup(worker: SchedulerWorker): void {
    const client = DatabaseClient.attach(this.options.uri, this.options.pool);
    setClientSchema(client, this.options.schema);
    worker.data.set(this.options.dbclientKey, client);
  }

  async teardown(worker: SchedulerWorker): Promise<void> {
    const client = worker.data.get(this.options.dbclientKey);
    worker.data.delete(this.options.dbclientKey);
    if (client instanceof DatabaseClient) await client.close();
  }

  /** Printing a plugin never shows the connection string. */
  [inspect.custom](): string {
    return `MongoDBWorker { address: '${this.address}', dbclientKey: '${this.dbclientKey}' }`;
  }

  toJSON(): { address: string; dbclientKey: string } {
    return { address: this.address, dbclientKey: this.dbclientKey };
  }
}
