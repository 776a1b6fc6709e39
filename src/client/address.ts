/**
 * Turning the database address forms MsPASS accepts into a MongoDB URI.
 *
 * MsPASS's Client accepts a bare host, `host:port`, `[ipv6]:port` and full
 * `mongodb://` / `mongodb+srv://` URIs, and appends `MONGODB_PORT` only when
 * the address carries no port. We do the same, but validate up front so a
 * typo fails at once with a message that names the argument, instead of after
 * a server-selection timeout.
 */
import { MsPASSError, maskCredentials } from "../errors.js";
import { describe } from "../option-checks.js";

export const DEFAULT_MONGODB_PORT = 27017;

/** A parsed database address: the URI to connect to and what it was made from. */
export interface DatabaseAddress {
  /** The connection string, possibly with credentials: never log it, use `display`. */
  readonly uri: string;
  /** The same URI with credentials masked, safe for messages and logs. */
  readonly display: string;
}

/**
 * Validate a port given as a number or a string. `what` names the argument in
 * the error message (e.g. "MONGODB_PORT").
 */
export function parsePort(value: unknown, what: string): number {
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 65535) {
    throw new MsPASSError(
      `${what} must be an integer port from 1 to 65535, got ${JSON.stringify(value)}`,
      "Fatal",
    );
  }
  return n;
}

const HOSTNAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

/**
 * Build the connection URI from an address in any accepted form.
 *
 * @param address  `host`, `host:port`, `[ipv6]`, `[ipv6]:port`, `mongodb://…` or `mongodb+srv://…`
 * @param port     a port to use when `address` has none (MsPASS's `MONGODB_PORT`)
 * @param what     the argument's name, for error messages
 */
export function parseDatabaseAddress(
  address: unknown,
  port?: number,
  what = "databaseHost",
): DatabaseAddress {
  if (typeof address !== "string") {
    throw new MsPASSError(`${what} must be a string, got ${describe(address)}`, "Fatal");
  }
  const text = address.trim();
  if (text === "") throw new MsPASSError(`${what} must not be empty`, "Fatal");

  if (/^mongodb(\+srv)?:\/\//i.test(text)) return parseUri(text, port, what);
  if (text.includes("://")) {
    throw new MsPASSError(
      `${what} has an unsupported scheme: ${maskCredentials(text)} (use mongodb:// or mongodb+srv://)`,
      "Fatal",
    );
  }
  if (text.includes("@")) {
    // `user:password@host:port` without a scheme: never echo the part before '@'.
    throw new MsPASSError(
      `${what}: an address with credentials must be a URI: mongodb://USER:PASSWORD@${text.slice(text.lastIndexOf("@") + 1)}/ ` +
        `(got ***@${text.slice(text.lastIndexOf("@") + 1)})`,
      "Fatal",
    );
  }
  const { host, hostPort } = splitHostPort(text, what);
  const finalPort = hostPort ?? port ?? DEFAULT_MONGODB_PORT;
  const uri = `mongodb://${host}:${finalPort}/`;
  return { uri, display: uri };
}

function parseUri(text: string, port: number | undefined, what: string): DatabaseAddress {
  const srv = /^mongodb\+srv:\/\//i.test(text);
  const rest = text.slice(srv ? "mongodb+srv://".length : "mongodb://".length);
  const slash = rest.search(/[/?]/);
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const tail = slash === -1 ? "/" : rest.slice(slash);
  const at = authority.lastIndexOf("@");
  const credentials = at === -1 ? "" : authority.slice(0, at + 1);
  const hosts = at === -1 ? authority : authority.slice(at + 1);
  const display = maskCredentials(text);
  if (hosts === "") {
    throw new MsPASSError(`${what} is a malformed URI with no host: ${display}`, "Fatal");
  }
  const list = hosts.split(",");
  if (srv) {
    if (list.length !== 1 || /:\d*$/.test(list[0]!)) {
      throw new MsPASSError(
        `${what}: a mongodb+srv:// URI takes exactly one host name and no port: ${display}`,
        "Fatal",
      );
    }
    splitHostPort(list[0]!, what); // validates the host name
    return { uri: text, display };
  }
  const parsed = list.map((h) => splitHostPort(h, what));
  // MsPASS appends MONGODB_PORT only to an address without a port; in a URI we
  // do it for a single host without one.
  if (parsed.length === 1 && parsed[0]!.hostPort === undefined && port !== undefined) {
    const uri = `mongodb://${credentials}${parsed[0]!.host}:${port}${tail}`;
    return { uri, display: maskCredentials(uri) };
  }
  return { uri: text, display };
}

function splitHostPort(text: string, what: string): { host: string; hostPort?: number } {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1)
      throw new MsPASSError(`${what}: unclosed '[' in IPv6 address ${JSON.stringify(text)}`, "Fatal");
    const inner = text.slice(1, close);
    if (!/^[0-9A-Fa-f:.%a-zA-Z]+$/.test(inner) || !inner.includes(":")) {
      throw new MsPASSError(`${what}: ${JSON.stringify(text)} is not a valid IPv6 address`, "Fatal");
    }
    host = `[${inner}]`;
    const after = text.slice(close + 1);
    if (after !== "") {
      if (!after.startsWith(":"))
        throw new MsPASSError(`${what}: unexpected text after ']' in ${JSON.stringify(text)}`, "Fatal");
      portText = after.slice(1);
    }
  } else if ((text.match(/:/g) ?? []).length > 1) {
    // A bare IPv6 address: it cannot carry a port without brackets.
    if (!/^[0-9A-Fa-f:.]+$/.test(text))
      throw new MsPASSError(`${what}: ${JSON.stringify(text)} is not a valid address`, "Fatal");
    host = `[${text}]`;
  } else {
    const colon = text.indexOf(":");
    host = colon === -1 ? text : text.slice(0, colon);
    portText = colon === -1 ? undefined : text.slice(colon + 1);
    if (!HOSTNAME.test(host)) {
      throw new MsPASSError(
        `${what}: ${JSON.stringify(maskCredentials(host))} is not a valid host name`,
        "Fatal",
      );
    }
  }
  if (portText === undefined) return { host };
  return { host, hostPort: parsePort(portText, `the port in ${what}`) };
}
