/**
 * `DatabaseClient`: a handle on this process's shared connection pool for one
 * MongoDB URI (MsPASS's `DBClient`).
 *
 * The connection pool itself lives in the Rust core: ONE `mongodb::Client`
 * per distinct URI per process, created on napi's process-global Tokio
 * runtime and shared by the main thread and every worker thread that loads
 * the addon. `DatabaseClient.connect(uri)` in any thread therefore attaches
 * to the same pool; handles are cheap and many may exist. Normal traffic
 * never creates a Node `MongoClient`.
 *
 * Connections per process (what the server sees), summed over distinct URIs:
 *
 *     connections = Σ_uri  servers(uri) × (maxPoolSize(uri) + monitors)
 *
 * - `maxPoolSize` bounds application connections per server; default 16
 *   (`DEFAULT_MAX_POOL_SIZE` in crates/mspass-core/src/pool.rs), fixed by the
 *   first `connect` of that URI in the process. Connections open on demand
 *   and idle ones are kept.
 * - `monitors` = the Rust driver's server monitoring: 1 connection per server,
 *   plus 1 round-trip-time monitor when the server supports streaming
 *   `hello` (MongoDB ≥ 4.4), i.e. 1–2.
 * - It does NOT grow with the number of worker threads: N workers × 1 pool.
 *   (A Node `MongoClient` per worker, by contrast, would add
 *   N × servers × (its maxPoolSize, default 100, + 2 monitors).)
 *
 * Lifecycle: `close()` closes this *handle* only; the pool stays for the
 * other users in the process (other handles, worker threads) and ends with
 * the process. Tests and tools that need a pool gone call
 * `DatabaseClient.shutdown(uri)` or `DatabaseClient.shutdownAll()`.
 */
import { MsPASSError, maskCredentials } from "../errors.js";
import { native, nativeErrorKind, toMsPASSError } from "../native.js";
import { Database, type DatabaseOptions } from "./database.js";

export interface DatabaseClientOptions {
  /** How long to look for a usable server before failing, ms (default 10 000). */
  serverSelectionTimeoutMS?: number;
  /** Application connections per server in the shared pool (default 16). */
  maxPoolSize?: number;
  /** Name reported to the server in its logs (default "mspass"). */
  appName?: string;
}

/** Process-wide counters from the Rust core (all threads). */
export interface PoolStats {
  /** `mongodb::Client`s this process has created. */
  clientsCreated: number;
  /** Pools (distinct URIs) currently open. */
  poolCount: number;
  /** Open server cursors held in the core. */
  openCursors: number;
}

const CONSTRUCT = Symbol("DatabaseClient.construct");
const URI_SCHEME = /^mongodb(\+srv)?:\/\//i;

/**
 * The URI and options of the most recent successful `connect()` in this
 * thread: the pool `fetchDbhandle(name)` falls back on outside a scheduler
 * worker (src/parallel/fetch.ts).
 */
let lastConnected: { uri: string; options: DatabaseClientOptions } | undefined;

function checkOptions(options: unknown): DatabaseClientOptions {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new MsPASSError("DatabaseClient.connect: options must be an object", "Invalid");
  }
  const o = options as Record<string, unknown>;
  const positive = (key: string, integer: boolean): number | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    if (
      typeof v !== "number" ||
      !Number.isFinite(v) ||
      v <= 0 ||
      (integer && !Number.isInteger(v)) ||
      v > 2 ** 32 - 1
    ) {
      throw new MsPASSError(
        `DatabaseClient.connect: options.${key} must be a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(v)}`,
        "Invalid",
      );
    }
    return v;
  };
  const out: DatabaseClientOptions = {};
  const timeout = positive("serverSelectionTimeoutMS", false);
  const pool = positive("maxPoolSize", true);
  if (timeout !== undefined) out.serverSelectionTimeoutMS = timeout;
  if (pool !== undefined) out.maxPoolSize = pool;
  if (o.appName !== undefined) {
    if (typeof o.appName !== "string" || o.appName === "") {
      throw new MsPASSError("DatabaseClient.connect: options.appName must be a non-empty string", "Invalid");
    }
    out.appName = o.appName;
  }
  return out;
}

export class DatabaseClient {
  /** The URI with credentials masked: safe to print. */
  readonly address: string;
  readonly options: Readonly<DatabaseClientOptions>;
  /** The real URI. A #private field so it never shows in inspect/JSON output. */
  readonly #uri: string;
  #closed = false;

  /** @internal use `DatabaseClient.connect()` */
  constructor(token: symbol, uri: string, options: DatabaseClientOptions) {
    if (token !== CONSTRUCT) {
      throw new MsPASSError("use 'await DatabaseClient.connect(uri)' to create a DatabaseClient", "Fatal");
    }
    this.#uri = uri;
    this.address = maskCredentials(uri);
    this.options = Object.freeze({ ...options });
  }

  /**
   * Attach to (creating on first use in the process) the shared pool for
   * `uri` and check the server answers. Options shape the pool only when this
   * call creates it.
   *
   * Throws `MsPASSError`: "Invalid" for a malformed URI or option, "Fatal"
   * naming the (masked) address and the cause when no server answers within
   * `serverSelectionTimeoutMS`.
   */
  static async connect(uri: string, options?: DatabaseClientOptions): Promise<DatabaseClient> {
    if (typeof uri !== "string" || !URI_SCHEME.test(uri.trim())) {
      // Mask user:password@ whatever the scheme: a mistyped "mongdb://" or an
      // "http://" address may carry credentials too.
      const shown =
        typeof uri === "string" ? JSON.stringify(uri.replace(/\/\/[^@/\s]*@/g, "//***@")) : typeof uri;
      throw new MsPASSError(
        `DatabaseClient.connect: uri must be a mongodb:// or mongodb+srv:// connection string, got ${shown}`,
        "Invalid",
      );
    }
    const opts = checkOptions(options);
    const masked = maskCredentials(uri);
    try {
      await native.connect(uri, {
        serverSelectionTimeoutMs:
          opts.serverSelectionTimeoutMS === undefined ? undefined : Math.ceil(opts.serverSelectionTimeoutMS),
        maxPoolSize: opts.maxPoolSize,
        appName: opts.appName,
      });
      // The pool may predate this call (created by another handle or
      // thread); a ping proves the server answers now.
      await native.ping(uri);
    } catch (err) {
      const kind = nativeErrorKind(err);
      if (kind === "InvalidArgument") throw toMsPASSError(err, "DatabaseClient.connect(uri)");
      const e = toMsPASSError(err, "DatabaseClient.connect");
      const cause = e.message.slice("DatabaseClient.connect: ".length);
      const message = cause.startsWith("cannot connect to the database at")
        ? `DatabaseClient.connect: ${cause}`
        : `DatabaseClient.connect: cannot connect to the database at ${masked}: ${cause}`;
      throw new MsPASSError(message, "Fatal", e.cause === undefined ? undefined : { cause: e.cause });
    }
    lastConnected = { uri, options: opts };
    return new DatabaseClient(CONSTRUCT, uri, opts);
  }

  /**
   * @internal A handle on the shared pool for `uri` WITHOUT a round trip (the
   * core creates the pool on first use if this process has none yet). For
   * worker plugins, whose setup must not fail or wait while the server is
   * briefly away; user code calls `connect()`, which checks the server.
   */
  static attach(uri: string, options?: DatabaseClientOptions): DatabaseClient {
    if (typeof uri !== "string" || !URI_SCHEME.test(uri.trim())) {
      throw new MsPASSError(
        "DatabaseClient.attach: uri must be a mongodb:// or mongodb+srv:// connection string",
        "Invalid",
      );
    }
    return new DatabaseClient(CONSTRUCT, uri, checkOptions(options));
  }

  /**
   * @internal A new handle on the pool of the most recent successful
   * `connect()` in this thread, or undefined if there was none.
   */
  static lastConnected(): DatabaseClient | undefined {
    return lastConnected === undefined
      ? undefined
      : new DatabaseClient(CONSTRUCT, lastConnected.uri, lastConnected.options);
  }

  /**
   * The real connection string, credentials included: for code that must
   * reach the same pool (e.g. worker plugins calling `connect` in their
   * thread). Never print it; use `address`.
   * @internal
   */
  get connectionString(): string {
    return this.#uri;
  }

  /** Whether `close()` has been called on this handle. */
  get closed(): boolean {
    return this.#closed;
  }

  /** A handle on database `name` (no server round trip). */
  getDatabase(name: string, options?: DatabaseOptions): Database {
    this.assertOpen(`DatabaseClient.getDatabase(${typeof name === "string" ? name : ""})`);
    return new Database(this, name, options);
  }

  /** Round trip to the server through the shared pool. */
  async ping(): Promise<void> {
    this.assertOpen("DatabaseClient.ping");
    try {
      await native.ping(this.#uri);
    } catch (err) {
      throw toMsPASSError(err, `DatabaseClient.ping(${this.address})`);
    }
  }

  /**
   * Close this handle: later operations through it (and its databases,
   * collections and cursors) fail. The shared pool stays open for other
   * users in the process. Idempotent.
   */
  async close(): Promise<void> {
    this.#closed = true;
  }

  /** @internal throws a Fatal MsPASSError naming `what` if this handle is closed. */
  assertOpen(what: string): void {
    if (this.#closed) {
      throw new MsPASSError(`${what}: the DatabaseClient for ${this.address} is closed`, "Fatal");
    }
  }

  /** Counters of the process-wide pool registry (shared by all threads). */
  static stats(): PoolStats {
    return {
      clientsCreated: native.clientsCreated(),
      poolCount: native.poolCount(),
      openCursors: native.openCursorCount(),
    };
  }

  /**
   * Shut down the process-wide pool for `uri` (its cursors are released and
   * in-flight operations fail). For tests and tools; a later `connect`
   * creates a new pool. Resolves to whether a pool existed.
   */
  static async shutdown(uri: string): Promise<boolean> {
    return native.shutdownPool(uri);
  }

  /** Shut down every pool of the process. Resolves to how many there were. */
  static async shutdownAll(): Promise<number> {
    return native.shutdownAllPools();
  }
}
