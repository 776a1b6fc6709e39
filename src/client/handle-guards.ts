/**
 * Database handles never travel to tasks (MsPASS's rule, enforced in
 * MsPASS ≥ #1032): a handle is bound to its thread's JavaScript objects and
 * to a connection pool, so a copy would be broken (a structured clone drops
 * its class and private fields) or, in MsPASS, open a new pool per task.
 * Tasks receive the database NAME and call `fetchDbhandle(name)`, which
 * resolves it on the worker's one client at no cost.
 *
 * The guard is registered with the scheduler's argument check when this
 * module loads (the package index exports from it), so `submit`, `map`,
 * `scatter` and bag items are all covered.
 */
import { addArgumentGuard } from "../scheduler/arg-guards.js";
import { Client } from "./client.js";
import { DatabaseClient } from "../db/database-client.js";
import { Database } from "../db/database.js";
import { Collection } from "../db/collection.js";
import { Cursor } from "../db/cursor.js";

/** Why `value` may not be a task argument, or undefined. */
export function refuseDatabaseHandle(value: unknown): string | undefined {
  let what: string;
  if (value instanceof Database) what = `a Database ("${value.name}")`;
  else if (value instanceof Collection) what = `a Collection (${value.namespace})`;
  else if (value instanceof Cursor) what = `a Cursor (on ${value.collection.namespace})`;
  else if (value instanceof DatabaseClient) what = "a DatabaseClient";
  else if (value instanceof Client) what = "a Client";
  else return undefined;
  return (
    `${what} cannot be passed to a task: pass the database name (a string) instead and call ` +
    "fetchDbhandle(name) inside the task, which returns the worker's handle without a new connection"
  );
}

addArgumentGuard(refuseDatabaseHandle);
