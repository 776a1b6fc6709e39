/**
 * Shared XML plumbing for StationXML and QuakeML: one configured
 * fast-xml-parser (namespace prefixes dropped, repeated elements always
 * arrays, values left as text so we decide the number parsing), the reading
 * of sources (file paths or XML text), and FDSN/QuakeML date-times → epoch
 * seconds.
 */
import { readFileSync } from "node:fs";
import { XMLBuilder, XMLParser } from "fast-xml-parser";
import { MsPASSError } from "../errors.js";

/** An element as the parser returns it: attributes under "@_name", text under "#text". */
export type XmlNode = Record<string, unknown>;

const ARRAY_TAGS = new Set(["Network", "Station", "Channel", "event", "origin", "magnitude"]);

const PARSER_OPTIONS = {
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name: string) => ARRAY_TAGS.has(name),
} as const;

const parser = new XMLParser(PARSER_OPTIONS);
const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  format: false,
  suppressEmptyNode: true,
});

/**
 * The XML texts of `source`: an XML string (first non-blank character `<`),
 * a file path, or an array of either. `what` names the caller in errors.
 */
export function readSources(source: unknown, what: string): Array<{ name: string; text: string }> {
  const list = Array.isArray(source) ? source : [source];
  if (list.length === 0) throw new MsPASSError(`${what}: source is an empty array`, "Invalid");
  return list.map((s, i) => {
    if (Buffer.isBuffer(s)) return { name: `source[${i}] (buffer)`, text: s.toString("utf8") };
    if (typeof s !== "string" || s.trim() === "") {
      throw new MsPASSError(
        `${what}: source must be an XML string, a file path, or an array of them; got ${typeof s}`,
        "Invalid",
      );
    }
    if (s.trimStart().startsWith("<")) return { name: `source[${i}] (XML text)`, text: s };
    try {
      return { name: s, text: readFileSync(s, "utf8") };
    } catch (err) {
      throw new MsPASSError(`${what}: cannot read ${s}: ${(err as Error).message}`, "Invalid");
    }
  });
}

/** Parse one document; malformed XML is a clear MsPASSError naming the source. */
export function parseXml(text: string, name: string, what: string): XmlNode {
  try {
    return parser.parse(text, true) as XmlNode;
  } catch (err) {
    const msg =
      typeof err === "object" && err !== null && "err" in err
        ? JSON.stringify((err as { err: unknown }).err)
        : (err as Error).message;
    throw new MsPASSError(`${what}: ${name} is not well-formed XML: ${msg}`, "Invalid");
  }
}

/** Serialize one element back to XML text (kept as the document's source fragment). */
export function toXml(tag: string, node: unknown): string {
  return builder.build({ [tag]: node }) as string;
}

export function asArray(v: unknown): XmlNode[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]) as XmlNode[];
}

/** The text content of an element (plain text or `{#text}` when it has attributes). */
export function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "object" && "#text" in (v as XmlNode)) return String((v as XmlNode)["#text"]);
  return undefined;
}

export function attr(node: XmlNode, name: string): string | undefined {
  const v = node[`@_${name}`];
  return v === undefined ? undefined : String(v);
}

/** A number element, or undefined when absent; a present but non-numeric value is an error. */
export function num(v: unknown, what: string): number | undefined {
  const t = text(v);
  if (t === undefined || t === "") return undefined;
  const x = Number(t);
  if (!Number.isFinite(x)) throw new MsPASSError(`${what}: ${JSON.stringify(t)} is not a number`, "Invalid");
  return x;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * An FDSN/QuakeML date-time as epoch seconds (double, sub-millisecond digits
 * kept). No zone means UTC, as in those formats.
 */
export function epoch(value: string, what: string): number {
  const m = DATE_TIME.exec(value.trim());
  if (m === null)
    throw new MsPASSError(`${what}: ${JSON.stringify(value)} is not an ISO 8601 date-time`, "Invalid");
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac, zone] = m;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
  if (frac !== undefined) t += Number(frac);
  if (zone !== undefined && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const hhmm = zone.slice(1).replace(":", "");
    t -= sign * (Number(hhmm.slice(0, 2)) * 3600 + Number(hhmm.slice(2, 4)) * 60);
  }
  return t;
}
