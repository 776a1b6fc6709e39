/**
 * `Database.saveInventory` / `saveCatalog`: StationXML → `site` + `channel`,
 * QuakeML → `source`, with MsPASS's document fields (save_inventory,
 * save_catalog in MsPASS 2.4.3). See docs/normalize.md for the differences.
 *
 * MsPASS writes, for each station and each loc code, one channel document
 * per channel *of the whole station* with that loc (a channel × loc cross
 * product: with locs "" and "EP" every channel appears twice, once with the
 * wrong loc). Here each channel is written once, with its own loc.
 */
import { Double, ObjectId, type Document } from "mongodb";
import { MsPASSError } from "../errors.js";
import { applyBsonTypes } from "../schema/bson-types.js";
import type { Database } from "../db/database.js";
import { parseStationXml, type ChannelRecord, type StationRecord } from "./stationxml.js";
import { parseQuakeMl } from "./quakeml.js";
import { readSources } from "./xml.js";

/** MsPASS's value for a null start date. */
export const NULL_STARTTIME = 0.0;
/** MsPASS's value for a null end date: 2051-01-01T00:00:00Z. */
export const NULL_ENDTIME = 2556144000.0;
/** Epoch ends within this many seconds are the same epoch (strict). */
export const DUPLICATE_TOLERANCE = 10.0;
/** The key holding a channel's StationXML fragment (MsPASS: serialized_channel_data, an obspy pickle). */
export const CHANNEL_XML_KEY = "channel_stationxml";
/** The key holding an event's QuakeML fragment (MsPASS: serialized_event, an obspy pickle). */
export const EVENT_XML_KEY = "event_quakeml";

export interface SaveInventoryOptions {
  /** Networks skipped (default ["SY"]: synthetic stations). */
  networksToExclude?: readonly string[];
  /** Print what is saved (MsPASS always prints a summary; here only with verbose). */
  verbose?: boolean;
}

export interface SaveInventoryResult {
  sitesSaved: number;
  chansSaved: number;
  sitesProcessed: number;
  chansProcessed: number;
}

/** Longitude into [-180, 180] for GeoJSON; out-of-range latitude is an error (MsPASS: ValueError). */
// Coordinates are stored as doubles, as MsPASS's Python floats are (the driver writes an integral number as int32).
function geoPoint(lon: number, lat: number, what: string): { type: "Point"; coordinates: [Double, Double] } {
  if (lat < -90 || lat > 90)
    throw new MsPASSError(`${what}: latitude ${lat} is outside [-90, 90]`, "Invalid");
  let x = lon;
  if (x > 180 || x < -180) x = ((((x + 180) % 360) + 360) % 360) - 180;
  return { type: "Point", coordinates: [new Double(x), new Double(lat)] };
}

function epochOr(t: number | undefined, dflt: number): number {
  return t === undefined ? dflt : t;
}

function near(a: number): Document {
  return { $gt: a - DUPLICATE_TOLERANCE, $lt: a + DUPLICATE_TOLERANCE };
}

async function exists(
  db: Database,
  coll: string,
  key: Document,
  start: number,
  end: number,
): Promise<boolean> {
  const hit = await db
    .collection(coll)
    .findOne({ ...key, starttime: near(start), endtime: near(end) }, { projection: { _id: 1 } });
  return hit !== null;
}

function siteFields(st: StationRecord, c: ChannelRecord, what: string): Document {
  return {
    loc: c.loc,
    net: st.net,
    sta: st.sta,
    lat: c.lat,
    lon: c.lon,
    coords: [new Double(c.lon), new Double(c.lat)],
    location: geoPoint(c.lon, c.lat, what),
    elev: c.elevation / 1000.0,
    edepth: new Double(c.depth),
  };
}

function checkOptions(options: unknown, fn: string): { exclude: Set<string>; verbose: boolean } {
  const o = (options ?? {}) as SaveInventoryOptions;
  if (typeof o !== "object") throw new MsPASSError(`${fn}: options must be an object`, "Invalid");
  for (const k of Object.keys(o)) {
    if (k !== "networksToExclude" && k !== "verbose") {
      throw new MsPASSError(
        `${fn}: unknown option "${k}" (options are networksToExclude, verbose)`,
        "Invalid",
      );
    }
  }
  const ex = o.networksToExclude ?? ["SY"];
  if (!Array.isArray(ex) || !ex.every((x) => typeof x === "string")) {
    throw new MsPASSError(`${fn}: networksToExclude must be an array of network codes`, "Invalid");
  }
  if (o.verbose !== undefined && typeof o.verbose !== "boolean")
    throw new MsPASSError(`${fn}: verbose must be a boolean`, "Invalid");
  return { exclude: new Set(ex), verbose: o.verbose === true };
}

export async function saveInventory(
  db: Database,
  source: unknown,
  options?: SaveInventoryOptions,
): Promise<SaveInventoryResult> {
  const fn = "Database.saveInventory";
  const { exclude, verbose } = checkOptions(options, fn);
  // Parse everything first: a bad file throws before anything is written.
  const stations = readSources(source, fn).flatMap((s) => parseStationXml(s.text, s.name, fn));
  const r: SaveInventoryResult = { sitesSaved: 0, chansSaved: 0, sitesProcessed: 0, chansProcessed: 0 };
  for (const st of stations) {
    if (exclude.has(st.net)) continue;
    const where = `${fn}: ${st.net}.${st.sta}`;
    const siteStart = epochOr(st.starttime, NULL_STARTTIME);
    const siteEnd = epochOr(st.endtime, NULL_ENDTIME);
    // As MsPASS: each loc's site takes the values of the station's LAST channel with that loc.
    const lastByLoc = new Map<string, ChannelRecord>();
    for (const c of st.channels) lastByLoc.set(c.loc, c);
    const newSites: Document[] = [];
    for (const [loc, c] of lastByLoc) {
      r.sitesProcessed++;
      if (await exists(db, "site", { net: st.net, sta: st.sta, loc }, siteStart, siteEnd)) continue;
      const _id = new ObjectId();
      newSites.push({
        _id,
        ...siteFields(st, c, where),
        starttime: siteStart,
        endtime: siteEnd,
        site_id: _id,
      });
    }
    const newChans: Document[] = [];
    for (const c of st.channels) {
      r.chansProcessed++;
      const start = epochOr(c.starttime, NULL_STARTTIME);
      const end = epochOr(c.endtime, NULL_ENDTIME);
      if (await exists(db, "channel", { net: st.net, sta: st.sta, loc: c.loc, chan: c.chan }, start, end))
        continue;
      const _id = new ObjectId();
      const d: Document = { _id, ...siteFields(st, c, `${where}.${c.loc}.${c.chan}`), chan: c.chan };
      if (c.azimuth !== undefined) d.hang = c.azimuth;
      if (c.dip !== undefined) d.vang = c.dip + 90.0;
      Object.assign(d, { starttime: start, endtime: end, [CHANNEL_XML_KEY]: c.xml, chan_id: _id });
      newChans.push(d);
    }
    // Typed by the schema: coordinates and times are doubles in MsPASS even when integral.
    if (newSites.length > 0)
      r.sitesSaved += (
        await db.site.insertMany(newSites.map((s) => applyBsonTypes(s, "site", { schema: db.schema })))
      ).insertedCount;
    if (newChans.length > 0)
      r.chansSaved += (
        await db.channel.insertMany(newChans.map((c) => applyBsonTypes(c, "channel", { schema: db.schema })))
      ).insertedCount;
    if (verbose)
      console.log(`${where}: ${newSites.length} site and ${newChans.length} channel documents saved`);
  }
  if (verbose) {
    console.log(
      `saveInventory: ${r.sitesSaved} of ${r.sitesProcessed} site and ${r.chansSaved} of ${r.chansProcessed} channel documents saved (the rest were already there)`,
    );
  }
  return r;
}

export interface SaveCatalogOptions {
  verbose?: boolean;
}

/** QuakeML → one `source` document per event (no duplicate check, as MsPASS). Returns the count. */
export async function saveCatalog(
  db: Database,
  source: unknown,
  options?: SaveCatalogOptions,
): Promise<number> {
  const fn = "Database.saveCatalog";
  const verbose = options?.verbose === true;
  const events = readSources(source, fn).flatMap((s) => parseQuakeMl(s.text, s.name, fn));
  if (events.length === 0) return 0;
  const docs = events.map((e) => {
    const _id = new ObjectId();
    const d: Document = {
      _id,
      lat: e.lat,
      lon: e.lon,
      coords: [new Double(e.lon), new Double(e.lat)],
      epicenter: geoPoint(e.lon, e.lat, `${fn}: event ${e.publicId ?? ""}`),
      depth: e.depth === undefined ? 0.0 : e.depth / 1000.0,
      time: e.time,
    };
    if (e.magnitude !== undefined) d.magnitude = e.magnitude;
    if (e.magnitudeType !== undefined) d.magnitude_type = e.magnitudeType;
    d[EVENT_XML_KEY] = e.xml;
    d.source_id = _id;
    return d;
  });
  const n = (await db.source.insertMany(docs.map((d) => applyBsonTypes(d, "source", { schema: db.schema }))))
    .insertedCount;
  if (verbose) console.log(`saveCatalog: ${n} source documents saved`);
  return n;
}
