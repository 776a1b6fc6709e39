/**
 * StationXML (FDSN 1.x) → plain station/channel records: the fields
 * MsPASS's save_inventory takes from obspy objects (Network@code;
 * Station@code/startDate/endDate; Channel@code/locationCode/startDate/
 * endDate, Latitude, Longitude, Elevation, Depth, Azimuth, Dip), plus each
 * channel's own XML fragment.
 */
import { MsPASSError } from "../errors.js";
import { asArray, attr, epoch, num, parseXml, toXml, type XmlNode } from "./xml.js";

export interface ChannelRecord {
  chan: string;
  /** "" when blank (StationXML often writes "  "). */
  loc: string;
  starttime: number | undefined;
  endtime: number | undefined;
  lat: number;
  lon: number;
  /** metres, as in the XML */
  elevation: number;
  /** metres */
  depth: number;
  azimuth: number | undefined;
  dip: number | undefined;
  /** The Channel element re-serialized (namespace prefixes dropped). */
  xml: string;
}

export interface StationRecord {
  net: string;
  sta: string;
  starttime: number | undefined;
  endtime: number | undefined;
  lat: number | undefined;
  lon: number | undefined;
  elevation: number | undefined;
  channels: ChannelRecord[];
}

function optEpoch(node: XmlNode, name: string, what: string): number | undefined {
  const v = attr(node, name);
  return v === undefined || v === "" ? undefined : epoch(v, `${what} ${name}`);
}

/** Every station of one StationXML document, in document order. */
export function parseStationXml(text: string, name: string, fn: string): StationRecord[] {
  const root = parseXml(text, name, fn).FDSNStationXML as XmlNode | undefined;
  if (root === undefined || typeof root !== "object") {
    throw new MsPASSError(`${fn}: ${name} is not StationXML (no FDSNStationXML root element)`, "Invalid");
  }
  const out: StationRecord[] = [];
  for (const n of asArray(root.Network)) {
    const net = attr(n, "code");
    if (net === undefined) throw new MsPASSError(`${fn}: ${name}: a Network has no code`, "Invalid");
    for (const s of asArray(n.Station)) {
      const sta = attr(s, "code");
      if (sta === undefined)
        throw new MsPASSError(`${fn}: ${name}: a Station of ${net} has no code`, "Invalid");
      const where = `${fn}: ${name} ${net}.${sta}`;
      const st: StationRecord = {
        net,
        sta,
        starttime: optEpoch(s, "startDate", where),
        endtime: optEpoch(s, "endDate", where),
        lat: num(s.Latitude, `${where} Latitude`),
        lon: num(s.Longitude, `${where} Longitude`),
        elevation: num(s.Elevation, `${where} Elevation`),
        channels: [],
      };
      for (const c of asArray(s.Channel)) {
        const chan = attr(c, "code");
        if (chan === undefined) throw new MsPASSError(`${where}: a Channel has no code`, "Invalid");
        const loc = (attr(c, "locationCode") ?? "").trim();
        const cw = `${where}.${loc}.${chan}`;
        // A channel without coordinates (obspy accepts it) takes the station's.
        const lat = num(c.Latitude, `${cw} Latitude`) ?? st.lat;
        const lon = num(c.Longitude, `${cw} Longitude`) ?? st.lon;
        if (lat === undefined || lon === undefined) {
          throw new MsPASSError(
            `${cw}: neither the channel nor its station has Latitude/Longitude`,
            "Invalid",
          );
        }
        st.channels.push({
          chan,
          loc,
          starttime: optEpoch(c, "startDate", cw),
          endtime: optEpoch(c, "endDate", cw),
          lat,
          lon,
          elevation: num(c.Elevation, `${cw} Elevation`) ?? st.elevation ?? 0,
          depth: num(c.Depth, `${cw} Depth`) ?? 0,
          azimuth: num(c.Azimuth, `${cw} Azimuth`),
          dip: num(c.Dip, `${cw} Dip`),
          xml: toXml("Channel", c),
        });
      }
      out.push(st);
    }
  }
  return out;
}
