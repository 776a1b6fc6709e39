/**
 * The project's default schema: MsPASS's attributes, types, aliases,
 * constraints, readonly flags and collection defaults, in this package's own
 * structure (see spec.ts). It follows MsPASS's `mspass.yaml` so documents
 * written here are what MsPASS expects; a user's own yaml can replace it with
 * `Schema.fromYaml`.
 */
import type { AttributeSpec, CollectionSpec, Constraint, MetadataAttributeSpec, SchemaSpec } from "./spec.js";

function a(type: string, constraint: Constraint, concept: string, aliases?: string[]): AttributeSpec {
  return aliases === undefined ? { type, constraint, concept } : { type, constraint, concept, aliases };
}

/** An attribute whose definition comes from another collection. */
function ref(reference: string, constraint: Constraint = "xref_key", concept?: string): AttributeSpec {
  return concept === undefined ? { reference, constraint } : { reference, constraint, concept };
}

const id = (what: string): AttributeSpec => a("objectid", "required", `ObjectId of this ${what}`);

const fileAliases = (k: string) => [`file.${k}`, `wfdisc.${k}`, `wfprocess.${k}`];

/** Attributes shared by every waveform collection (MsPASS's wf_TimeSeries block). */
const WF_COMMON: Readonly<Record<string, AttributeSpec>> = {
  _id: id("waveform document"),
  npts: a("int", "required", "Number of samples (per component)", ["nsamp", "wfdisc.nsamp"]),
  nbytes: a("int", "optional", "Bytes of sample data in storage (some formats need it)"),
  delta: a("double", "required", "Sample interval in seconds", ["dt"]),
  sampling_rate: a("double", "optional", "Sampling frequency in Hz (1/delta)"),
  starttime: a("double", "required", "Time of the first sample: epoch seconds, or relative", ["t0", "time"]),
  starttime_shift: a("double", "required", "Shift that defines relative time zero", ["t0shift"]),
  endtime: a("double", "optional", "Time of the last sample"),
  utc_convertible: a("bool", "required", "True when starttime_shift converts relative time to UTC"),
  time_standard: a("string", "required", "Meaning of starttime: UTC or Relative"),
  calib: a("double", "normal", "Nominal factor from sample values to ground motion"),
  storage_mode: a("string", "required", "Where samples are stored: file, url or gridfs"),
  format: a("string", "optional", "File format of the samples (binary, MSEED, SAC, ...)"),
  dir: a("string", "optional", "Directory of the sample file (with dfile)", fileAliases("dir")),
  dfile: a("string", "optional", "Name of the sample file", fileAliases("dfile")),
  foff: a("int", "optional", "Byte offset of the first sample in the file", fileAliases("foff")),
  url: a("string", "optional", "URL of external sample data"),
  gridfs_id: a("objectid", "optional", "_id of the samples in fs.files"),
  source_id: ref("source"),
  site_id: ref("site"),
  history_object_id: ref("history_object"),
  elog_id: ref("elog"),
  data_tag: a("string", "optional", "Tag naming a processing stage, set by saveData"),
};

const wf_TimeSeries: CollectionSpec = {
  default: "wf",
  dataType: "TimeSeries",
  attributes: { channel_id: ref("channel"), ...WF_COMMON },
};

const wf_Seismogram: CollectionSpec = {
  dataType: "Seismogram",
  attributes: {
    ...WF_COMMON,
    tmatrix: a("list", "required", "Transformation matrix, 9 numbers row-major"),
    cardinal: a("bool", "required", "True when components are E, N, Z"),
    orthogonal: a("bool", "required", "True when the inverse of tmatrix is its transpose"),
    site_id: ref("site", "xref_key", "Link to the site collection"),
    channel_id_list: a("list", "optional", "channel _ids of the three components"),
  },
};

const wf_miniseed: CollectionSpec = {
  dataType: "TimeSeries",
  attributes: {
    ...WF_COMMON,
    last_packet_time: a("double", "normal", "Time tag of the last packet of a contiguous block"),
    dir: a("string", "required", "Directory of the miniSEED file", fileAliases("dir")),
    dfile: a("string", "required", "Name of the miniSEED file", fileAliases("dfile")),
    foff: a("int", "required", "Byte offset of the block in the file", fileAliases("foff")),
    url: a("string", "optional", "URL of external sample data"),
    nbytes: a("int", "required", "Bytes in the block of miniSEED packets"),
    net: ref("site", "normal"),
    sta: ref("site", "normal"),
    loc: ref("channel", "normal"),
    chan: ref("channel", "normal"),
    channel_id: ref("channel"),
  },
};

const site: CollectionSpec = {
  attributes: {
    _id: id("station"),
    net: a("string", "normal", "SEED network code", [
      "network",
      "site.net",
      "channel.net",
      "wfdisc.net",
      "site_net",
    ]),
    sta: a("string", "normal", "SEED station code", [
      "station",
      "site.sta",
      "channel.sta",
      "wfdisc.sta",
      "KSTNM",
    ]),
    loc: ref("channel", "normal"),
    lat: a("double", "required", "Station latitude in degrees", ["STLA", "site.lat", "site_lat"]),
    lon: a("double", "required", "Station longitude in degrees", ["STLO", "stlo", "site.lon", "site_lon"]),
    elev: a("double", "required", "Station elevation in km", ["STEL", "stel", "site.elev", "site_elev"]),
    starttime: a("double", "normal", "Start of the station's recording period", [
      "site.starttime",
      "site_starttime",
    ]),
    endtime: a("double", "normal", "End of the station's recording period", ["site.endtime", "site_endtime"]),
  },
};

const channel: CollectionSpec = {
  attributes: {
    _id: id("channel"),
    net: ref("site", "normal"),
    sta: ref("site", "normal"),
    loc: a("string", "normal", "SEED location code", ["location", "site.loc", "channel.loc"]),
    chan: a("string", "normal", "SEED channel code", ["channel", "KCMPNM", "channel.chan", "wfdisc.chan"]),
    lat: a("double", "required", "Instrument latitude in degrees", ["channel_lat"]),
    lon: a("double", "required", "Instrument longitude in degrees", ["channel_lon"]),
    elev: a("double", "required", "Instrument elevation in km", ["channel_elev"]),
    edepth: a("double", "optional", "Instrument emplacement depth in km", ["channel_edepth"]),
    hang: a("double", "normal", "Component azimuth in degrees", ["CMPAZ", "channel_hang"]),
    vang: a("double", "normal", "Component inclination from up in degrees", ["CMPINC", "channel_vang"]),
    starttime: a("double", "normal", "Start of the channel's recording period", ["channel_starttime"]),
    endtime: a("double", "normal", "End of the channel's recording period", ["channel_endtime"]),
  },
};

const source: CollectionSpec = {
  attributes: {
    _id: id("source"),
    lat: a("double", "required", "Hypocentre latitude in degrees", [
      "source.lat",
      "EVLA",
      "origin.lat",
      "source_lat",
    ]),
    lon: a("double", "required", "Hypocentre longitude in degrees", [
      "source.lon",
      "EVLO",
      "origin.lon",
      "source_lon",
    ]),
    depth: a("double", "required", "Hypocentre depth in km", [
      "source.depth",
      "EVDP",
      "origin.depth",
      "source_depth",
    ]),
    time: a("double", "required", "Origin time, epoch seconds", [
      "source.time",
      "origin.time",
      "source_time",
    ]),
    magnitude: a("double", "normal", "Generic magnitude", ["MAG", "source_magnitude"]),
  },
};

const history_global: CollectionSpec = {
  default: "history_global",
  attributes: {
    _id: id("global history record"),
    job_id: a("objectid", "required", "Id of the job"),
    job_name: a("string", "required", "Name of the job"),
    alg_name: a("string", "required", "Name of the algorithm"),
    alg_id: a("objectid", "required", "Id of one algorithm with one set of parameters"),
    parameters: a("string", "required", "Parameters of the algorithm"),
    time: a("double", "required", "When the record was saved"),
  },
};

const history_object: CollectionSpec = {
  attributes: {
    _id: id("history document"),
    save_uuid: a("string", "required", "uuid of the save that wrote this document"),
    save_stage: a("int", "required", "Processing stage of that save"),
    processing_history: a("bytes", "required", "Serialized ProcessingHistory"),
    wf_Seismogram_id: ref("wf_Seismogram"),
    wf_TimeSeries_id: ref("wf_TimeSeries"),
    alg_id: ref("history_global", "xref_key", "Id of one algorithm with one set of parameters"),
    alg_name: a("string", "required", "Name of the algorithm"),
    job_name: a("string", "optional", "Name of the workflow"),
    job_id: a("string", "optional", "Instance tag of the workflow"),
  },
};

/** The record shape shared by elog and cemetery. */
const ELOG_RECORD: Readonly<Record<string, AttributeSpec>> = {
  _id: id("log entry"),
  logdata: a("list", "required", "LogData entries"),
  wf_Seismogram_id: ref("wf_Seismogram"),
  wf_TimeSeries_id: ref("wf_TimeSeries"),
  wf_miniseed_id: ref("wf_miniseed"),
  tombstone: a("dict", "optional", "Metadata of the dead datum"),
  data_tag: a("string", "optional", "Tag of the processing stage that logged"),
};

const abortions: CollectionSpec = {
  attributes: {
    _id: id("abortion record"),
    logdata: a("list", "optional", "LogData recorded while constructing the datum"),
    tombstone: a("dict", "required", "Metadata or document that failed construction"),
    type: a("string", "required", "Data-object type that was expected"),
    data_tag: a("string", "optional", "Tag of the processing stage"),
  },
};

// ---- Metadata sections ------------------------------------------------------------

function entries(
  collection: string,
  readonly: boolean,
  keys: string[],
): Record<string, MetadataAttributeSpec> {
  return Object.fromEntries(keys.map((k) => [k, { collection, readonly }]));
}

const SOURCE_KEYS = ["source_lat", "source_lon", "source_depth", "source_time", "source_magnitude"];
const SITE_KEYS = ["site_lat", "site_lon", "site_elev", "site_starttime", "site_endtime"];

const TimeSeriesMetadata: Record<string, MetadataAttributeSpec> = {
  ...entries("wf_TimeSeries", true, ["_id"]),
  ...entries("wf_TimeSeries", false, [
    "npts",
    "delta",
    "sampling_rate",
    "starttime",
    "time_standard",
    "utc_convertible",
    "calib",
    "site_id",
    "channel_id",
    "source_id",
    "storage_mode",
    "gridfs_id",
    "dir",
    "dfile",
    "foff",
    "format",
    "nbytes",
  ]),
  ...entries("site", true, ["net", "sta", ...SITE_KEYS]),
  ...entries("channel", true, [
    "loc",
    "chan",
    "channel_hang",
    "channel_vang",
    "channel_lat",
    "channel_lon",
    "channel_elev",
    "channel_edepth",
    "channel_starttime",
    "channel_endtime",
  ]),
  ...entries("source", true, SOURCE_KEYS),
};

const SeismogramMetadata: Record<string, MetadataAttributeSpec> = {
  ...entries("wf_Seismogram", true, ["_id"]),
  ...entries("wf_Seismogram", false, [
    "npts",
    "delta",
    "sampling_rate",
    "starttime",
    "time_standard",
    "utc_convertible",
    "calib",
    "orthogonal",
    "cardinal",
    "storage_mode",
    "gridfs_id",
    "dir",
    "dfile",
    "foff",
    "format",
    "nbytes",
    "site_id",
    "source_id",
    "tmatrix",
  ]),
  ...entries("site", true, ["net", "sta", "loc", ...SITE_KEYS]),
  ...entries("source", true, SOURCE_KEYS),
};

function other(type: string, concept: string, readonly = false, aliases?: string[]): MetadataAttributeSpec {
  return aliases === undefined ? { type, concept, readonly } : { type, concept, readonly, aliases };
}

/** Assorted attributes usable in any Metadata (mostly SAC/CSS3.0 names). */
const OtherMetadata: Record<string, MetadataAttributeSpec> = {
  KEVNM: other("string", "Event name"),
  IEVTYP: other("int", "SAC event type code"),
  units: other("string", "Physical units of the samples", false, ["idep", "IDEP"]),
  DEPMIN: other("double", "Minimum amplitude", false, ["depmin"]),
  DEPMAX: other("double", "Maximum amplitude", false, ["depmax"]),
  DEPMEN: other("double", "Mean amplitude", false, ["depmen"]),
  jdate: other("int", "CSS3.0 Julian date"),
  IZTYPE: other("int", "SAC reference time type", false, ["TimeReferenceType"]),
  dist: other("double", "Source-receiver distance", false, ["assoc.delta", "GCARC"]),
  distance_units: other("string", "Units of dist"),
  phase: other("string", "Phase name of a pick"),
  iphase: other("string", "CSS3.0 indicated phase"),
  seaz: other("double", "Station-to-event azimuth", false, ["BAZ"]),
  esaz: other("double", "Event-to-station azimuth", false, ["AZ"]),
  ms: other("double", "Surface-wave magnitude", true),
  mb: other("double", "Body-wave magnitude", true),
};

export const DEFAULT_SCHEMA: SchemaSpec = {
  database: {
    wf_TimeSeries,
    wf_Seismogram,
    wf_miniseed,
    site,
    channel,
    source,
    history_global,
    history_object,
    elog: { attributes: ELOG_RECORD },
    cemetery: { attributes: ELOG_RECORD },
    abortions,
  },
  metadata: {
    TimeSeries: TimeSeriesMetadata,
    Seismogram: SeismogramMetadata,
    Other: OtherMetadata,
  },
};
