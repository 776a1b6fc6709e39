/**
 * Shared test fixtures: a fresh database on the suite's server (with a
 * `Client` and a raw Node-driver handle to inspect what was stored), a
 * temporary directory, cleanup in one call, and the MsPASSError assertion
 * every integration test needs. Tests keep their own data builders.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MongoClient, type Db } from "mongodb";
import { afterAll, expect } from "vitest";
import {
  Client,
  LocalScheduler,
  MongoDBWorker,
  MsPASSError,
  type ClientOptions,
  type Database,
} from "mspass";

/** The suite's server (test/global-setup.ts or MSPASS_TEST_DB_URI). */
export function testDbUri(): string {
  const uri = process.env.MSPASS_TEST_DB_URI;
  if (!uri)
    throw new Error(
      "MSPASS_TEST_DB_URI is not set: run the tests through vitest (its global setup starts a server)",
    );
  return uri;
}

/**
 * The Python of the obspy virtualenv the oracle tests run (scripts/ensure-obspy.sh
 * makes it: MSPASS_OBSPY_VENV, else .mspass/obspy-venv in the repository).
 */
export function obspyPython(): string {
  const venv = process.env.MSPASS_OBSPY_VENV ?? join(import.meta.dirname, "..", ".mspass", "obspy-venv");
  return resolve(venv, "bin", "python");
}

/** A database name no other test file (or run) uses. */
export function uniqueDbName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now()}`;
}

export interface TestDatabase {
  uri: string;
  client: Client;
  db: Database;
  /** The same database through the official driver, to read back raw documents and bytes. */
  raw: MongoClient;
  rdb: Db;
  /** A temporary directory for file-mode storage. */
  dir: string;
  /** Drop the database, close both clients, remove the directory. */
  close(): Promise<void>;
}

/**
 * Open a fresh database for one test file; call `close()` in afterAll.
 * `options` are more `Client.connect` options (a scheduler, a jobName, ...);
 * a `databaseName` among them is used as the test database's name (make it
 * unique with `uniqueDbName`), so the client's `getDatabase()` returns it.
 */
export async function openTestDatabase(
  prefix: string,
  options: Omit<ClientOptions, "databaseHost"> = {},
): Promise<TestDatabase> {
  const uri = testDbUri();
  const name = options.databaseName ?? uniqueDbName(prefix);
  const client = await Client.connect({ databaseHost: uri, scheduler: "none", ...options });
  const raw = await MongoClient.connect(uri);
  const dir = mkdtempSync(join(tmpdir(), `mspass-${prefix.replace(/_/g, "-")}-`));
  const db = client.getDatabase(name);
  return {
    uri,
    client,
    db,
    raw,
    rdb: raw.db(name),
    dir,
    async close() {
      try {
        await db.dropDatabase();
      } finally {
        await client.close();
        await raw.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * `openTestDatabase` for a whole test file, closed after its last test:
 * `const { db, rdb } = await useTestDatabase("prefix");` at the top level.
 */
export async function useTestDatabase(
  prefix: string,
  options: Omit<ClientOptions, "databaseHost"> = {},
): Promise<TestDatabase> {
  const t = await openTestDatabase(prefix, options);
  afterAll(() => t.close());
  return t;
}

/** `p` (a promise or a function) fails with an MsPASSError whose message matches `pattern`; returns it. */
export async function expectMsPASSError(
  p: Promise<unknown> | (() => unknown),
  pattern: RegExp,
  severity?: string,
): Promise<MsPASSError> {
  let caught: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    caught = e;
  }
  return checkMsPASSError(caught, pattern, severity);
}

/** `fn` throws, synchronously, an MsPASSError whose message matches `pattern`; returns it. */
export function expectMsPASSErrorSync(fn: () => unknown, pattern: RegExp, severity?: string): MsPASSError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  return checkMsPASSError(caught, pattern, severity);
}

function checkMsPASSError(caught: unknown, pattern: RegExp, severity: string | undefined): MsPASSError {
  expect(caught, "expected an MsPASSError").toBeInstanceOf(MsPASSError);
  expect((caught as MsPASSError).message).toMatch(pattern);
  if (severity !== undefined) expect((caught as MsPASSError).severity).toBe(severity);
  return caught as MsPASSError;
}

/**
 * Run `body` on a fresh 2-worker LocalScheduler (with the MongoDBWorker
 * plugin of `client`) whose worker dies once, on the datum with Metadata
 * k = `dieAtK`, leaving `marker` behind (the `demeanOrDie` test task reads
 * PARALLEL_DIE_K / PARALLEL_DIE_MARKER; workers copy the environment when
 * they start, hence a fresh scheduler).
 */
export async function withDyingWorker<T>(
  client: Client,
  dieAtK: number,
  marker: string,
  body: (s: LocalScheduler) => Promise<T>,
): Promise<T> {
  process.env.PARALLEL_DIE_K = String(dieAtK);
  process.env.PARALLEL_DIE_MARKER = marker;
  const s = await LocalScheduler.start({ nworkers: 2, dashboard: false });
  try {
    await s.registerPlugin(new MongoDBWorker(client), { name: "mongodb_worker" });
    return await body(s);
  } finally {
    delete process.env.PARALLEL_DIE_K;
    delete process.env.PARALLEL_DIE_MARKER;
    await s.close();
  }
}
