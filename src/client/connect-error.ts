/**
 * The error a user sees when `Client.connect` reaches no database: which
 * address was tried and where it came from, the driver's reason in one
 * phrase (not its topology dump, which stays on `cause`), and what to do.
 */
import { MsPASSError } from "../errors.js";
import type { DatabaseSource } from "./client.js";

const FROM: Record<DatabaseSource, string> = {
  argument: "the databaseHost argument",
  MSPASS_DB_ADDRESS: "MSPASS_DB_ADDRESS",
  project: "the server this project started (.mspass/db.json)",
  "default-port": "a server found on the default port",
};

/** The first server's error in a Rust-driver "Server selection timeout" dump, e.g. "I/O error: Connection refused (os error 111)". */
export function driverReason(message: string): string {
  const m = /Error: Kind: (.*?)(?:, labels: |$)/.exec(message);
  if (m) return m[1]!;
  if (/Server selection timeout/i.test(message)) return "no server answered";
  return message.replace(/^DatabaseClient\.connect: cannot connect to the database at \S+: /, "");
}

export function connectError(
  err: unknown,
  address: string,
  source: DatabaseSource,
  timeoutMS: number,
): MsPASSError {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof MsPASSError && err.severity === "Invalid") return err;
  return new MsPASSError(
    `Client.connect: no database answered at ${address} (from ${FROM[source]}) within ${timeoutMS / 1000} s: ${driverReason(message)}. ` +
      "Start the project's database with 'npx mspass db start' (Client.connect then finds it), " +
      "or set MSPASS_DB_ADDRESS (or pass databaseHost) to a server that runs",
    "Fatal",
    { cause: err },
  );
}
