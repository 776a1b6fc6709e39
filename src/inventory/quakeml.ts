/**
 * QuakeML 1.2 → plain event records: the preferred origin (time, latitude,
 * longitude, depth) and preferred magnitude (mag, type) of each event, as
 * MsPASS's save_catalog takes them from obspy's preferred_origin() /
 * preferred_magnitude(), plus the event's XML fragment.
 */
import { MsPASSError } from "../errors.js";
import { asArray, attr, epoch, num, parseXml, text, toXml, type XmlNode } from "./xml.js";

export interface EventRecord {
  publicId: string | undefined;
  time: number;
  lat: number;
  lon: number;
  /** metres (QuakeML), or undefined */
  depth: number | undefined;
  magnitude: number | undefined;
  magnitudeType: string | undefined;
  xml: string;
}

function value(node: XmlNode, key: string): unknown {
  const v = node[key];
  return typeof v === "object" && v !== null ? (v as XmlNode).value : undefined;
}

/**
 * The element whose publicID is `id`. With no preferred id, obspy returns
 * None and MsPASS then fails (AttributeError); we take the first element,
 * which is what a single-origin event means.
 */
function preferred(list: XmlNode[], id: string | undefined): XmlNode | undefined {
  if (id !== undefined) {
    const hit = list.find((x) => attr(x, "publicID") === id);
    if (hit !== undefined) return hit;
  }
  return list[0];
}

export function parseQuakeMl(textXml: string, name: string, fn: string): EventRecord[] {
  const doc = parseXml(textXml, name, fn);
  const root = doc.quakeml as XmlNode | undefined;
  const params = root?.eventParameters as XmlNode | undefined;
  if (params === undefined || typeof params !== "object") {
    throw new MsPASSError(`${fn}: ${name} is not QuakeML (no quakeml/eventParameters element)`, "Invalid");
  }
  return asArray(params.event).map((ev, i) => {
    const id = attr(ev, "publicID");
    const where = `${fn}: ${name} event ${id ?? i}`;
    const o = preferred(asArray(ev.origin), text(ev.preferredOriginID));
    if (o === undefined) throw new MsPASSError(`${where} has no origin`, "Invalid");
    const t = text(value(o, "time"));
    const lat = num(value(o, "latitude"), `${where} origin latitude`);
    const lon = num(value(o, "longitude"), `${where} origin longitude`);
    if (t === undefined || lat === undefined || lon === undefined) {
      throw new MsPASSError(`${where}: the preferred origin lacks time, latitude or longitude`, "Invalid");
    }
    const m = preferred(asArray(ev.magnitude), text(ev.preferredMagnitudeID));
    return {
      publicId: id,
      time: epoch(t, `${where} origin time`),
      lat,
      lon,
      depth: num(value(o, "depth"), `${where} origin depth`),
      magnitude: m === undefined ? undefined : num(value(m, "mag"), `${where} magnitude`),
      magnitudeType: m === undefined ? undefined : text(m.type),
      xml: toXml("event", ev),
    };
  });
}
