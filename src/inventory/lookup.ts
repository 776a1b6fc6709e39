/**
 * Look-ups in site/channel/source as MsPASS's get_seed_site,
 * get_seed_channel, read_inventory and load_event.
 */
import type { Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import type { Database } from "../db/database.js";

export interface SeedSiteOptions {
  /** "NONE" (default) leaves loc out of the query. */
  loc?: string;
  /** > 0: only the epoch with starttime < time < endtime (strict). Default -1. */
  time?: number;
  verbose?: boolean;
}

export interface SeedChannelOptions {
  /** null/undefined (default): any loc, with MsPASS's ambiguity retries. */
  loc?: string | null;
  time?: number;
  verbose?: boolean;
}

function code(v: unknown, name: string, fn: string): string {
  if (typeof v !== "string")
    throw new MsPASSError(`${fn}: ${name} must be a string, got ${typeof v}`, "Invalid");
  return v;
}

function timeFilter(time: unknown, fn: string): Document {
  if (time === undefined) return {};
  if (typeof time !== "number" || !Number.isFinite(time))
    throw new MsPASSError(`${fn}: time must be a finite number`, "Invalid");
  return time > 0 ? { starttime: { $lt: time }, endtime: { $gt: time } } : {};
}

export async function getSeedSite(
  db: Database,
  net: string,
  sta: string,
  options: SeedSiteOptions = {},
): Promise<Document | null> {
  const fn = "Database.getSeedSite";
  const q: Document = { net: code(net, "net", fn), sta: code(sta, "sta", fn) };
  const loc = options.loc ?? "NONE";
  if (loc !== "NONE") q.loc = code(loc, "loc", fn);
  Object.assign(q, timeFilter(options.time, fn));
  const doc = await db.site.findOne(q);
  if (doc === null && options.verbose) console.log(`${fn}: no site matches ${JSON.stringify(q)}`);
  return doc;
}

/**
 * One channel document. Several matches with no loc given: retry with a
 * missing/null loc, then with loc ""; still ambiguous → the first when
 * `time > 0`, else an MsPASSError. Several matches with an explicit loc →
 * null (as MsPASS).
 */
export async function getSeedChannel(
  db: Database,
  net: string,
  sta: string,
  chan: string,
  options: SeedChannelOptions = {},
): Promise<Document | null> {
  const fn = "Database.getSeedChannel";
  const base: Document = {
    net: code(net, "net", fn),
    sta: code(sta, "sta", fn),
    chan: code(chan, "chan", fn),
  };
  const time = options.time ?? -1.0;
  Object.assign(base, timeFilter(time, fn));
  const loc = options.loc ?? null;
  if (loc !== null) base.loc = code(loc, "loc", fn);
  // Two are enough to tell one from several.
  const two = (q: Document) => db.channel.find(q, { limit: 2 }).toArray();
  const hits = await two(base);
  if (hits.length <= 1) {
    if (hits.length === 0 && options.verbose)
      console.log(`${fn}: no channel matches ${JSON.stringify(base)}`);
    return hits[0] ?? null;
  }
  if (loc !== null) {
    if (options.verbose) console.log(`${fn}: several channels match ${JSON.stringify(base)}`);
    return null;
  }
  for (const retryLoc of [null, ""]) {
    const again = await two({ ...base, loc: retryLoc });
    if (again.length === 1) return again[0]!;
    if (again.length > 1) return ambiguous(again, time, base, fn);
  }
  return ambiguous(hits, time, base, fn);
}

function ambiguous(hits: Document[], time: number, q: Document, fn: string): Document {
  if (time > 0) return hits[0]!;
  throw new MsPASSError(
    `${fn}: several channel documents match ${JSON.stringify(q)} and no time was given to choose among them; pass loc or time`,
    "Invalid",
  );
}

export interface ReadInventoryOptions {
  net?: string;
  sta?: string;
  loc?: string;
  time?: number;
}

export interface InventoryDocuments {
  sites: Document[];
  /** The channel documents of those sites' net/sta/loc valid at `time` (all epochs without a time). */
  channels: Document[];
}

/**
 * MsPASS's read_inventory unpickles a `serialized_inventory` that nothing
 * writes, so it fails on any match; this returns the matching site
 * documents and their channel documents instead (null when no site matches).
 */
export async function readInventory(
  db: Database,
  options: ReadInventoryOptions = {},
): Promise<InventoryDocuments | null> {
  const fn = "Database.readInventory";
  const q: Document = {};
  for (const k of ["net", "sta", "loc"] as const)
    if (options[k] !== undefined) q[k] = code(options[k], k, fn);
  const tf = options.time === undefined ? {} : timeFilter(options.time, fn);
  const sites = await db.site.find({ ...q, ...tf }).toArray();
  if (sites.length === 0) return null;
  const channels: Document[] = [];
  const seen = new Set<string>();
  for (const s of sites) {
    const key = `${s.net}.${s.sta}.${s.loc ?? ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    channels.push(...(await db.channel.find({ net: s.net, sta: s.sta, loc: s.loc ?? "", ...tf }).toArray()));
  }
  return { sites, channels };
}

/** `source.findOne({source_id})`, as MsPASS's load_event. */
export async function loadEvent(db: Database, sourceId: unknown): Promise<Document | null> {
  return db.source.findOne({ source_id: sourceId });
}
