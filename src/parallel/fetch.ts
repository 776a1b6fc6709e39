/**
 * `fetchDbhandle(dbname | Database)` (MsPASS's `fetch_dbhandle`): the way a
 * task reaches the database.
 *
 * - Inside a scheduler worker: the worker's `DatabaseClient` stored by the
 *   `MongoDBWorker` plugin in `worker.data` (key "dbclient" unless another
 *   key is given) → `getDatabase(name)`. Handles are cached per name, and
 *   no connection is opened: the client is a handle on the process's one
 *   Rust pool.
 * - Anywhere else (the main thread, `scheduler: "none"`, bags computed with
 *   `{ scheduler: "none" }`), or in a worker with no MongoDBWorker: a handle
 *   on the pool of the most recent successful `DatabaseClient.connect()` in
 *   this thread — which `Client.connect()` and `Client.setDatabaseClient()`
 *   do — again with no new connection. MsPASS raises here; we need not.
 *   With no connection made yet in this thread it is an `MsPASSError`.
 * - A `Database` is returned as is; anything else is an `MsPASSError`.
 */
import { createHash } from "node:crypto";
import { MsPASSError } from "../errors.js";
import { DatabaseClient } from "../db/database-client.js";
import { Database, checkDatabaseName } from "../db/database.js";
import { getWorker, type SchedulerWorker } from "../scheduler/worker-context.js";
import { describe } from "../option-checks.js";

/** The worker.data key MsPASS uses. */
export const DEFAULT_DBCLIENT_KEY = "dbclient";

/** Per client handle: its Database handles by name (a worker resolves a name once). */
const databases = new WeakMap<DatabaseClient, Map<string, Database>>();
/** Schema option to give the Databases of a client (set by MongoDBWorker). */
const schemas = new WeakMap<DatabaseClient, unknown>();

/** @internal MongoDBWorker records the schema its Databases use. */
export function setClientSchema(client: DatabaseClient, schema: unknown): void {
  if (schema !== undefined) schemas.set(client, schema);
}

function databaseOf(client: DatabaseClient, name: string): Database {
  let byName = databases.get(client);
  if (byName === undefined) databases.set(client, (byName = new Map()));
  let db = byName.get(name);
  if (db === undefined) {
    const schema = schemas.get(client);
    db = client.getDatabase(name, schema === undefined ? undefined : { schema });
    byName.set(name, db);
  }
  return db;
}

function currentWorker(): SchedulerWorker | undefined {
  try {
    return getWorker();
  } catch {
    return undefined; // main thread, or a thread that is not a scheduler worker
  }
}

/** The shared-pool handle outside a worker: one per (thread, URI), so repeated calls reuse Database handles. */
let fallback: DatabaseClient | undefined;

function fallbackClient(): DatabaseClient | undefined {
  const last = DatabaseClient.lastConnected();
  if (last === undefined) return undefined;
  if (fallback === undefined || fallback.connectionString !== last.connectionString) fallback = last;
  return fallback;
}

/** @internal The client fetchDbhandle would use here, or undefined. */
export function currentDatabaseClient(
  dbclientKey: string = DEFAULT_DBCLIENT_KEY,
): DatabaseClient | undefined {
  const w = currentWorker();
  if (w !== undefined) {
    const c = w.data.get(dbclientKey);
    if (c instanceof DatabaseClient && !c.closed) return c;
  }
  return fallbackClient();
}

/**
 * The `Database` for `db` (a name) on this thread's client — see the module
 * comment for which client that is — or `db` itself when it is a Database.
 * `dbclientKey` is the `worker.data` key the MongoDBWorker was given.
 */
export function fetchDbhandle(db: string | Database, dbclientKey: string = DEFAULT_DBCLIENT_KEY): Database {
  if (db instanceof Database) return db;
  if (typeof db !== "string") {
    throw new MsPASSError(
      `fetchDbhandle: expected a database name (string) or a Database, got ${describe(db)}`,
      "Invalid",
    );
  }
  const name = checkDatabaseName(db, "fetchDbhandle");
  const client = currentDatabaseClient(dbclientKey);
  if (client === undefined) {
    const w = currentWorker();
    throw new MsPASSError(
      w !== undefined
        ? `fetchDbhandle("${name}"): ${w.name} has no database client under worker.data key "${dbclientKey}" ` +
            "and this thread never connected: register a MongoDBWorker on the scheduler (Client.connect() does it for its local scheduler)"
        : `fetchDbhandle("${name}"): no database connection in this thread yet: create a Client (Client.connect()) or a DatabaseClient.connect(uri) first`,
      "Invalid",
    );
  }
  return databaseOf(client, name);
}

/** Clients the distributed reader/writer were given in this thread, by uriTag (see taskDatabase). */
const known = new Map<string, DatabaseClient>();

/**
 * @internal A short, non-secret tag of a connection string (it carries no
 * credentials, unlike the URI), so tasks can check which server they are
 * meant for without the URI crossing threads in task code.
 */
export function uriTag(uri: string): string {
  return createHash("sha256").update(uri).digest("hex").slice(0, 16);
}

/** @internal Remember the caller's client (main thread), for `scheduler: "none"` runs. */
export function rememberClient(client: DatabaseClient): string {
  const tag = uriTag(client.connectionString);
  known.set(tag, client);
  return tag;
}

/**
 * @internal The Database `name` for the distributed reader/writer: the
 * worker's own client when it is on the caller's server (the normal case);
 * in the caller's thread (`scheduler: "none"`) the caller's client. A worker
 * whose MongoDBWorker points at another server refuses, rather than read or
 * write the wrong database.
 */
export function taskDatabase(name: string, dbclientKey: string, tag: string): Database {
  const client = currentDatabaseClient(dbclientKey);
  if (client !== undefined && uriTag(client.connectionString) === tag) return databaseOf(client, name);
  const mine = known.get(tag);
  if (mine !== undefined && !mine.closed) return databaseOf(mine, name);
  throw new MsPASSError(
    `the Database "${name}" given to readDistributedData/writeDistributedData is on another server than this worker's database client` +
      `${client === undefined ? " (it has none)" : ` (${client.address})`}: register a MongoDBWorker for that server on the scheduler ` +
      "(Client.connect() does it for its own database), or pass the data's database of the Client",
    "Invalid",
  );
}
