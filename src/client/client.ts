/**
 * The MsPASS `Client`: a container for the clients of the services a workflow
 * needs — the database service and the scheduler service. (The frontend is the
 * script or REPL that holds the Client.)
 *
 *     const client = await Client.connect();          // defaults, or MsPASS env vars
 *     const db = client.getDatabase("mydb");
 *     const scheduler = client.getScheduler();
 *     ...
 *     await client.close();
 *
 * A constructor cannot await a connection, so the Client is made by the async
 * factory `Client.connect()`; there is no way to get a half-made Client.
 */
import { inspect } from "node:util";
import { MsPASSError, maskCredentials } from "../errors.js";
import { DatabaseClient } from "../db/database-client.js";
import { connectError } from "./connect-error.js";
import type { Database } from "../db/database.js";
import { parseDatabaseAddress, parsePort } from "./address.js";
import {
  databaseNameOption,
  parseScheduler,
  resolveOptions,
  type ClientOptions,
  type ResolvedOptions,
  type SchedulerKind,
} from "./options.js";
import { ensureDatabaseService } from "../service/index.js";
import type { Scheduler } from "../scheduler/scheduler.js";
import { startScheduler, switchWorkerDatabase } from "./scheduler-factory.js";
import { GlobalHistoryManager, type GlobalHistoryManagerOptions } from "../db/history/global-history.js";

const CONSTRUCT = Symbol("Client.construct");

/**
 * Where the Client's database came from: the `databaseHost` argument,
 * MSPASS_DB_ADDRESS, the server this project started (`.mspass/db.json`), or
 * a server this project did not start, found on the default port.
 */
export type DatabaseSource = "argument" | "MSPASS_DB_ADDRESS" | "project" | "default-port";

export class Client {
  /** The options in force, after arguments and environment variables were resolved. */
  readonly options: Readonly<ResolvedOptions>;
  private dbClient: DatabaseClient;
  /** Whether this Client opened `dbClient` (and so may close it). */
  private ownsDbClient = true;
  private scheduler: Scheduler | null;
  private schedulerKind: SchedulerKind;
  private ownsScheduler = true;
  private readonly databases = new Map<string, Database>();
  private closed = false;
  /** Set by `connect` (MsPASS's Client makes one with a new job id). */
  private globalHistory!: GlobalHistoryManager;
  private source: DatabaseSource = "argument";

  /** @internal use `Client.connect()` */
  constructor(
    token: symbol,
    options: ResolvedOptions,
    dbClient: DatabaseClient,
    scheduler: Scheduler | null,
  ) {
    if (token !== CONSTRUCT) {
      throw new MsPASSError("use 'await Client.connect(options)' to create a Client", "Fatal");
    }
    this.options = options;
    this.dbClient = dbClient;
    this.scheduler = scheduler;
    this.schedulerKind = options.scheduler;
  }

  /**
   * Connect to the database service and start the scheduler.
   *
   * With no `databaseHost` and no `MSPASS_DB_ADDRESS`, the embedded default is
   * used: the server this project started (`.mspass/db.json`), else a server
   * answering on 127.0.0.1:27017 (said on stderr: it is not this project's),
   * else a `mongod` on PATH, else FerretDB, started under `.mspass/db/` and
   * left running for the next run (`npx mspass db stop` stops it).
   */
  static async connect(options: ClientOptions = {}): Promise<Client> {
    const resolved = resolveOptions(options);
    let uri: string;
    let source: DatabaseSource;
    if (resolved.databaseHost !== undefined) {
      source = resolved.databaseHostSource === "argument" ? "argument" : "MSPASS_DB_ADDRESS";
      uri = parseDatabaseAddress(
        resolved.databaseHost,
        resolved.mongodbPort,
        source === "argument" ? "databaseHost" : "MSPASS_DB_ADDRESS",
      ).uri;
    } else {
      const service = await ensureDatabaseService({
        projectDir: resolved.projectDir,
        env: resolved.env,
        port: resolved.mongodbPort,
        serverSelectionTimeoutMS: resolved.serverSelectionTimeoutMS,
      });
      uri = service.uri;
      source = service.source === "default-port" ? "default-port" : "project";
      if (source === "default-port") {
        // The data will go to a server nobody named: say which, once, so a
        // stranger on the default port is never used silently.
        process.stderr.write(
          `mspass: using the MongoDB server already answering at ${uri} (not started by this project); ` +
            "set MSPASS_DB_ADDRESS or pass databaseHost to choose the server explicitly\n",
        );
      }
    }
    const dbClient = await DatabaseClient.connect(uri, {
      serverSelectionTimeoutMS: resolved.serverSelectionTimeoutMS,
      maxPoolSize: resolved.maxPoolSize,
      appName: resolved.jobName,
    }).catch((err: unknown) =>
      Promise.reject(connectError(err, maskCredentials(uri), source, resolved.serverSelectionTimeoutMS)),
    );
    let scheduler: Scheduler | null = null;
    try {
      scheduler = await startScheduler(resolved.scheduler, resolved, uri);
    } catch (err) {
      await dbClient.close();
      throw err;
    }
    const client = new Client(CONSTRUCT, resolved, dbClient, scheduler);
    client.source = source;
    try {
      // As MsPASS: a GlobalHistoryManager with a new job id on the default
      // database; its index is created now, so connecting writes to the server.
      client.globalHistory = await GlobalHistoryManager.create(client.getDatabase(), resolved.jobName);
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err;
    }
    return client;
  }

  /** The job-level history manager (`history_global`) made at connection. */
  getGlobalHistoryManager(): GlobalHistoryManager {
    this.assertOpen("getGlobalHistoryManager");
    return this.globalHistory;
  }

  /**
   * Replace the history manager (MsPASS's `set_global_history_manager(history_db,
   * job_name, collection=None)`): a new job id, in `historyDb`.
   */
  async setGlobalHistoryManager(
    historyDb: Database,
    jobName: string,
    options: GlobalHistoryManagerOptions = {},
  ): Promise<GlobalHistoryManager> {
    this.assertOpen("setGlobalHistoryManager");
    this.globalHistory = await GlobalHistoryManager.create(historyDb, jobName, options);
    return this.globalHistory;
  }

  /** The database client: a handle on this process's shared connection pool. */
  getDatabaseClient(): DatabaseClient {
    this.assertOpen("getDatabaseClient");
    return this.dbClient;
  }

  /**
   * A handle on one database, `databaseName` ("mspass") by default. Handles
   * are cached per name, so repeated calls return the same object.
   */
  getDatabase(name?: string): Database {
    this.assertOpen("getDatabase");
    const dbName =
      name === undefined ? this.options.databaseName : databaseNameOption(name, "getDatabase(name)");
    let db = this.databases.get(dbName);
    if (!db) {
      db = this.dbClient.getDatabase(dbName, { schema: this.options.schema });
      this.databases.set(dbName, db);
    }
    return db;
  }

  /** The scheduler, or `null` with `scheduler: "none"`. */
  getScheduler(): Scheduler | null {
    this.assertOpen("getScheduler");
    return this.scheduler;
  }

  /** Where this Client's database came from (see DatabaseSource). */
  get databaseSource(): DatabaseSource {
    return this.source;
  }

  /** Which scheduler this Client runs: "local" or "none". */
  get schedulerType(): SchedulerKind {
    return this.schedulerKind;
  }

  /**
   * Switch to another database server. The new one is validated first; if it
   * cannot be reached this throws a Fatal `MsPASSError` and the old client
   * stays in place.
   */
  async setDatabaseClient(databaseHost: string, databasePort?: number): Promise<void> {
    this.assertOpen("setDatabaseClient");
    const port =
      databasePort === undefined ? this.options.mongodbPort : parsePort(databasePort, "databasePort");
    const { uri } = parseDatabaseAddress(databaseHost, port, "databaseHost");
    const next = await DatabaseClient.connect(uri, {
      serverSelectionTimeoutMS: this.options.serverSelectionTimeoutMS,
      maxPoolSize: this.options.maxPoolSize,
      appName: this.options.jobName,
    });
    const previous = this.dbClient;
    const ownedPrevious = this.ownsDbClient;
    this.dbClient = next;
    this.ownsDbClient = true;
    this.source = "argument";
    this.databases.clear();
    if (ownedPrevious) await previous.close();
    if (this.scheduler !== null) switchWorkerDatabase(this.scheduler, uri, this.options);
  }

  /**
   * Switch scheduler. The new one is started before the old one, owned by
   * this Client, is closed; if it fails to start the old one stays.
   */
  async setScheduler(scheduler: SchedulerKind, schedulerHost?: string): Promise<void> {
    this.assertOpen("setScheduler");
    const kind = parseScheduler(scheduler);
    if (schedulerHost !== undefined && typeof schedulerHost !== "string") {
      throw new MsPASSError("schedulerHost must be a string", "Fatal");
    }
    const next = await startScheduler(
      kind,
      { ...this.options, schedulerHost },
      this.dbClient.connectionString,
    );
    const previous = this.scheduler;
    this.scheduler = next;
    this.schedulerKind = kind;
    if (previous && this.ownsScheduler) await previous.close();
    this.ownsScheduler = true;
  }

  /** Close what this Client opened: its scheduler and its database client handle. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const errors: unknown[] = [];
    if (this.scheduler && this.ownsScheduler) {
      await this.scheduler.close().catch((e: unknown) => errors.push(e));
    }
    this.scheduler = null;
    this.databases.clear();
    if (this.ownsDbClient) await this.dbClient.close().catch((e: unknown) => errors.push(e));
    if (errors.length > 0) {
      throw new MsPASSError(
        `Client.close: ${errors.map((e) => (e as Error).message).join("; ")}`,
        "Complaint",
      );
    }
  }

  /**
   * What a user needs to see of a Client, and nothing secret: the database
   * address with its credentials masked, never the options' environment.
   */
  private summary(): Record<string, unknown> {
    return {
      database: this.dbClient.address,
      databaseSource: this.source,
      databaseName: this.options.databaseName,
      scheduler: this.schedulerKind,
      ...(this.options.schedulerHost !== undefined
        ? {
            schedulerHost: maskCredentials(
              this.options.schedulerHost.replace(/^(?![a-z]+:\/\/)[^/]*@/i, "***@"),
            ),
          }
        : {}),
      jobName: this.options.jobName,
      closed: this.closed,
    };
  }

  [inspect.custom](_depth: number, opts: Parameters<typeof inspect>[1]): string {
    return `Client ${inspect(this.summary(), opts)}`;
  }

  toJSON(): Record<string, unknown> {
    return this.summary();
  }

  toString(): string {
    return `Client(${this.dbClient.address}, scheduler ${this.schedulerKind})`;
  }

  /** Whether `close()` has been called. */
  get isClosed(): boolean {
    return this.closed;
  }

  private assertOpen(method: string): void {
    if (this.closed) throw new MsPASSError(`Client.${method}: this Client is closed`, "Fatal");
  }
}
