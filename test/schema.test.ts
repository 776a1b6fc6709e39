// Schema system: default schema, loading MsPASS's mspass.yaml, aliases,
// readonly rules, the three modes (read and save) and the wf document fields.
// Pure: no database.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BSON, ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_SCHEMA,
  applyBsonTypes,
  Metadata,
  Schema,
  Seismogram,
  TimeSeries,
  buildWfDocument,
  convertValue,
  docToMetadata,
  isNormalizedKey,
  metadataToDoc,
  wfDocFields,
} from "mspass";
import { expectMsPASSErrorSync } from "./helpers.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Our own user schema in MsPASS's mspass.yaml format (tools/write-schema-fixture.mjs). */
const MSPASS_YAML = path.resolve(repoRoot, "test/fixtures/schema/mspass-schema.yaml");
/** MsPASS's own file, checked too when a reference checkout sits next to the repository (never required). */
const UPSTREAM_YAML = path.resolve(repoRoot, "../shared/reference/mspass.yaml");
const LOADABLE = [MSPASS_YAML, ...(existsSync(UPSTREAM_YAML) ? [UPSTREAM_YAML] : [])];

/** A schema's content without the free-text concepts, for comparisons. */
function shape(s: Schema) {
  const db: Record<string, unknown> = {};
  for (const c of s.collectionNames()) {
    db[c] = {
      dataType: s.dataType(c),
      attrs: Object.fromEntries(s.attributes(c).map(({ concept: _c, ...rest }) => [rest.name, rest])),
    };
  }
  const md: Record<string, unknown> = {};
  for (const sec of s.metadataSections()) {
    md[sec] = Object.fromEntries(
      Object.keys(s.spec.metadata[sec]!).map((k) => {
        const { concept: _c, ...rest } = s.metadataAttribute(sec, k)!;
        return [k, rest];
      }),
    );
  }
  return { db, md };
}

describe("default schema", () => {
  const s = Schema.default();

  it("defines the MsPASS collections and defaults", () => {
    for (const c of [
      "wf_TimeSeries",
      "wf_Seismogram",
      "wf_miniseed",
      "site",
      "channel",
      "source",
      "elog",
      "history_object",
      "history_global",
      "abortions",
      "cemetery",
    ]) {
      expect(s.hasCollection(c)).toBe(true);
    }
    expect(s.resolveCollection("wf")).toBe("wf_TimeSeries");
    expect(s.resolveCollection("wf_Seismogram")).toBe("wf_Seismogram");
    expect(s.dataType("wf")).toBe("TimeSeries");
    expect(s.dataType("wf_Seismogram")).toBe("Seismogram");
    expect(s.dataType("site")).toBeUndefined();
    const err = expectMsPASSErrorSync(() => s.resolveCollection("wf_Nope"), /unknown collection "wf_Nope"/);
    expect(err.severity).toBe("Invalid");
    expect(Schema.default()).toBe(s);
  });

  it("attributes: types, constraints, references and aliases", () => {
    expect(s.attribute("wf", "npts")).toMatchObject({
      type: "int",
      constraint: "required",
      aliases: ["nsamp", "wfdisc.nsamp"],
    });
    expect(s.attribute("wf", "dt")?.name).toBe("delta");
    expect(s.uniqueName("wf", "t0")).toBe("starttime");
    expect(s.uniqueName("wf", "t0shift")).toBe("starttime_shift");
    expect(s.isAlias("wf", "dt")).toBe(true);
    expect(s.isAlias("wf", "delta")).toBe(false);
    // references resolve to the other collection's definition
    expect(s.attribute("wf", "channel_id")).toMatchObject({
      type: "objectid",
      constraint: "xref_key",
      reference: "channel",
    });
    expect(s.attribute("wf_miniseed", "net")).toMatchObject({ type: "string", constraint: "normal" });
    expect(s.attribute("site", "loc")?.type).toBe("string");
    expect(s.attribute("history_object", "alg_id")?.type).toBe("objectid");
    expect(s.attribute("wf_Seismogram", "tmatrix")?.type).toBe("list");
    expect(s.isDefined("wf_Seismogram", "channel_id")).toBe(false);
    expect(s.requiredKeys("wf")).toEqual(
      expect.arrayContaining([
        "_id",
        "npts",
        "delta",
        "starttime",
        "starttime_shift",
        "utc_convertible",
        "time_standard",
        "storage_mode",
      ]),
    );
    // Metadata entries from normalizing collections inherit the definition and aliases
    expect(s.metadataAttribute("TimeSeries", "site_lat")).toMatchObject({
      type: "double",
      collection: "site",
      readonlyFlag: true,
    });
    expect(s.metadataAttribute("TimeSeries", "STLA")?.name).toBe("site_lat");
  });

  it("readonly: flags, missing ⇒ readonly, normalized keys, unknown keys", () => {
    expect(s.isReadonly("npts")).toBe(false);
    expect(s.isReadonly("delta", "wf_Seismogram")).toBe(false);
    expect(s.isReadonly("tmatrix", "wf_Seismogram")).toBe(false);
    expect(s.isReadonly("_id")).toBe(true);
    expect(s.isReadonly("sta")).toBe(true);
    expect(s.isReadonly("site_lat")).toBe(true);
    expect(s.isReadonly("channel_hang")).toBe(true);
    expect(s.isReadonly("site_anything")).toBe(true); // normalized even if undefined
    expect(s.isReadonly("url")).toBe(true); // wf attribute with no readonly flag
    expect(s.isReadonly("site_id")).toBe(false);
    expect(s.isReadonly("unknown_key_xyz")).toBe(false);
    expect(isNormalizedKey("source_depth")).toBe(true);
    expect(isNormalizedKey("source_id")).toBe(false);
    expect(isNormalizedKey("channel_id_list")).toBe(false);
    expect(isNormalizedKey("sta")).toBe(false);
  });

  it("type conversion helpers", () => {
    expect(convertValue("12", "int")).toBe(12);
    expect(convertValue(12.7, "int")).toBe(12);
    expect(convertValue("0.5", "double")).toBe(0.5);
    expect(convertValue(3, "string")).toBe("3");
    expect(convertValue("TRUE", "bool")).toBe(true);
    const oid = convertValue("0123456789abcdef01234567", "objectid") as ObjectId;
    expect(oid.toHexString()).toBe("0123456789abcdef01234567");
    expectMsPASSErrorSync(() => convertValue("abc", "int"), /cannot convert string "abc" to int/);
    expectMsPASSErrorSync(() => convertValue("maybe", "bool"), /to bool/);
    expectMsPASSErrorSync(() => convertValue(5, "list"), /to list/);
  });
});

describe("loading mspass.yaml", () => {
  it.each(LOADABLE)("loads %s and matches the default schema (concepts aside)", (file) => {
    const y = Schema.fromYaml(file);
    expect(y.resolveCollection("wf")).toBe("wf_TimeSeries");
    expect(y.attribute("wf", "starttime_shift")?.aliases).toEqual(["t0shift"]); // scalar alias in the yaml
    expect(y.attribute("wf_Seismogram", "npts")?.type).toBe("int"); // from the << merge
    expect(shape(y)).toEqual(shape(Schema.default()));
    // the same text given inline
    const inline = Schema.fromYaml(readFileSync(file, "utf8"));
    expect(inline.collectionNames()).toEqual(y.collectionNames());
  });

  it("a user schema changes behaviour: readonly flag and a new attribute", () => {
    const text = readFileSync(MSPASS_YAML, "utf8")
      .replace(
        / {6}calib:\n {8}collection: wf_TimeSeries\n {8}readonly: false/,
        "      calib:\n        collection: wf_TimeSeries\n        readonly: true",
      )
      .replace(
        "        data_tag:\n          type: string",
        "        picker:\n          type: string\n          constraint: optional\n        data_tag:\n          type: string",
      );
    const user = Schema.fromYaml(text);
    expect(user.isReadonly("calib")).toBe(true);
    expect(Schema.default().isReadonly("calib")).toBe(false);
    expect(user.isDefined("wf", "picker")).toBe(true);
    const md = new Metadata({ picker: "me", calib: 2 });
    md.clearModified();
    // user: calib now readonly, picker defined without a readonly flag ⇒ readonly; both unmodified ⇒ dropped
    expect(metadataToDoc(md, "wf", "cautious", { schema: user }).doc).toEqual({});
    // default: picker is not in the schema ⇒ dropped; calib is writeable
    expect(metadataToDoc(md, "wf", "cautious").doc).toEqual({ calib: 2 });
    md.put("picker", "you");
    expect(metadataToDoc(md, "wf", "cautious", { schema: user }).doc).toEqual({
      READONLYERROR_picker: "you",
    });
  });

  it("bad schema files give clear Fatal MsPASSErrors", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "mspass-schema-"));
    const good = readFileSync(MSPASS_YAML, "utf8");
    const cases: Array<[string, RegExp]> = [
      ["Database: {}\n", /not valid: the Metadata section is missing/],
      [
        good.replace(
          "type: int\n          concept: Number of samples",
          "type: integr\n          concept: Number of samples",
        ),
        /not valid: Database\.wf_TimeSeries\.schema\.npts\.type "integr" is not a MsPASS type/,
      ],
      [
        good.replace("constraint: xref_key", "constraint: sometimes"),
        /not valid: .*constraint "sometimes" must be one of/,
      ],
      [
        good.replace(
          "        reference: channel\n        constraint: xref_key",
          "        reference: nowhere\n        constraint: xref_key",
        ),
        /not valid: .*reference "nowhere" is not a collection/,
      ],
      [good.replace("    default: wf\n", ""), /not valid: "wf" must be a collection name or the default/],
      [
        good.replace(
          "      npts:\n        collection: wf_TimeSeries\n        readonly: false",
          "      npts:\n        collection: wf_TimeSeries\n        readonly: maybe",
        ),
        /not valid: Metadata\.TimeSeries\.schema\.npts\.readonly must be a boolean/,
      ],
      [
        good.replace(
          "      site_lat:\n        collection: site",
          "      site_bogus:\n        collection: site",
        ),
        /not valid: Metadata\.TimeSeries\.schema\.site_bogus refers to site\.bogus/,
      ],
      [
        good.replace("      mb:\n        type: double\n", "      mb:\n"),
        /not valid: Metadata\.Other\.schema\.mb\.type is required/,
      ],
      ["Database:\n  wf: [1, 2\n", /Cannot parse schema definition file/],
    ];
    cases.forEach(([text, re], i) => {
      const file = path.join(dir, `bad${i}.yaml`);
      writeFileSync(file, text);
      const err = expectMsPASSErrorSync(() => Schema.fromYaml(file), re);
      expect(err.severity).toBe("Fatal");
    });
    expectMsPASSErrorSync(
      () => Schema.fromYaml(path.join(dir, "missing.yaml")),
      /Cannot open schema definition file: .*missing\.yaml/,
    );
    expectMsPASSErrorSync(
      () => Schema.fromObject([1, 2]),
      /^The schema definition is not valid: the top level must be a mapping/,
    );
  });

  it("the default spec itself is a valid input to the constructor", () => {
    expect(new Schema(DEFAULT_SCHEMA).collectionNames()).toHaveLength(11);
  });
});

describe("docToMetadata (reads)", () => {
  const doc = {
    _id: new ObjectId(),
    npts: 100,
    delta: "0.01", // wrong type, convertible
    starttime: 1.5e9,
    time_standard: "UTC",
    sta: "AAK",
    dt: 0.02, // alias
    my_note: "hello", // not in schema
    calib: "not-a-number", // optional, not convertible
  };

  it("promiscuous copies every key except excludeKeys; the result has no modified keys", () => {
    const r = docToMetadata(doc, "wf", "promiscuous", { excludeKeys: ["my_note"] });
    expect(r.dead).toBe(false);
    expect(r.elogEntries).toEqual([]);
    expect(r.md.keys().sort()).toEqual([
      "_id",
      "calib",
      "delta",
      "dt",
      "npts",
      "sta",
      "starttime",
      "time_standard",
    ]);
    expect(r.md.get("delta")).toBe("0.01");
    expect(r.md.modified().size).toBe(0);
  });

  it("cautious drops unknown keys and aliases (Complaint), converts types, drops an optional key it cannot convert", () => {
    const r = docToMetadata(doc, "wf", "cautious");
    expect(r.dead).toBe(false);
    expect(r.md.get("delta")).toBe(0.01);
    expect(r.md.has("dt")).toBe(false);
    expect(r.md.has("my_note")).toBe(false);
    expect(r.md.has("calib")).toBe(false);
    expect(r.md.get("sta")).toBe("AAK");
    expect(r.md.get("_id")).toBe(doc._id);
    const byBadness = (b: string) =>
      r.elogEntries
        .filter((e) => e.badness === b)
        .map((e) => e.message)
        .join("\n");
    expect(byBadness("Complaint")).toMatch(/dropped 2 key\(s\).*dt my_note/);
    expect(byBadness("Complaint")).toMatch(/calib .*cannot be converted to double/);
    expect(byBadness("Informational")).toMatch(/automatic type conversion: delta/);
  });

  it("cautious kills when a required key will not convert", () => {
    const r = docToMetadata({ ...doc, npts: "lots" }, "wf", "cautious");
    expect(r.dead).toBe(true);
    expect(r.elogEntries.find((e) => e.badness === "Invalid")?.message).toMatch(
      /required attribute npts holds string "lots"/,
    );
  });

  it("pedantic kills on any type mismatch", () => {
    const r = docToMetadata(doc, "wf", "pedantic");
    expect(r.dead).toBe(true);
    const invalid = r.elogEntries.filter((e) => e.badness === "Invalid").map((e) => e.message);
    expect(invalid.some((m) => /attribute delta/.test(m))).toBe(true);
    expect(invalid.some((m) => /attribute calib/.test(m))).toBe(true);
    const clean = docToMetadata(
      { npts: 3, delta: 0.5, starttime: 0, starttime_shift: 4, endtime: 1 },
      "wf",
      "pedantic",
    );
    expect(clean.dead).toBe(false);
    expect(clean.md.keys().sort()).toEqual(["delta", "endtime", "npts", "starttime", "starttime_shift"]);
  });

  it("unknown mode or collection and wrong argument types throw", () => {
    const err = expectMsPASSErrorSync(
      () => docToMetadata(doc, "wf", "sloppy" as never),
      /unknown mode "sloppy"/,
    );
    expect(err.severity).toBe("Fatal");
    expectMsPASSErrorSync(() => docToMetadata(doc, "wf_Bogus", "cautious"), /unknown collection "wf_Bogus"/);
    expectMsPASSErrorSync(() => docToMetadata([] as never, "wf", "cautious"), /doc must be a document/);
    expectMsPASSErrorSync(
      () => docToMetadata(doc, "wf", "cautious", { excludeKeys: "x" as never }),
      /excludeKeys must be an array/,
    );
  });
});

describe("metadataToDoc (saves)", () => {
  /** A header as a reader leaves it: loaded, then clearModified. */
  function readHeader(values: Record<string, unknown>): Metadata {
    const md = new Metadata(values);
    md.clearModified();
    return md;
  }

  it("all modes: alias renamed, blanks, excludeKeys, _id and normalized keys dropped", () => {
    const sid = new ObjectId();
    const site = new ObjectId();
    const md = new Metadata({
      _id: new ObjectId(),
      dt: 0.5,
      blank: "  ",
      site_lat: 1,
      channel_hang: 2,
      source_id: sid,
      site_id: site,
      skip: 1,
      extra: 3,
    });
    for (const mode of ["promiscuous", "cautious", "pedantic"] as const) {
      const { doc } = metadataToDoc(md, "wf", mode, { excludeKeys: ["skip"] });
      expect(doc.delta).toBe(0.5);
      for (const k of ["dt", "blank", "_id", "site_lat", "channel_hang", "skip"])
        expect(doc).not.toHaveProperty(k);
      expect(doc.source_id).toBe(sid);
    }
    expect(metadataToDoc(md, "wf", "promiscuous").doc).toEqual({
      delta: 0.5,
      source_id: sid,
      site_id: site,
      skip: 1,
      extra: 3,
    });
    expect(metadataToDoc(md, "wf", "cautious").doc).toEqual({ delta: 0.5, source_id: sid, site_id: site });
    // a string where an ObjectId link is expected cannot be converted: dropped (cautious) or fatal (pedantic)
    const badLink = new Metadata({ source_id: "s" });
    expect(metadataToDoc(badLink, "wf", "cautious").doc).toEqual({});
    expect(metadataToDoc(badLink, "wf", "pedantic").dead).toBe(true);
  });

  it("an alias and its unique key both present: the unique key wins", () => {
    const md = new Metadata({ delta: 0.1, dt: 0.5 });
    expect(metadataToDoc(md, "wf", "promiscuous").doc).toEqual({ delta: 0.1 });
  });

  it("cautious/pedantic: a modified readonly key becomes READONLYERROR_<key> with a Complaint; unmodified is dropped", () => {
    const md = readHeader({ sta: "AAK", chan: "BHZ", calib: 1.0, npts: 10 });
    md.put("sta", "BBK");
    for (const mode of ["cautious", "pedantic"] as const) {
      const r = metadataToDoc(md, "wf", mode);
      expect(r.doc).toEqual({ READONLYERROR_sta: "BBK", calib: 1.0, npts: 10 });
      expect(r.dead).toBe(false);
      expect(r.elogEntries).toEqual([
        {
          algorithm: "metadataToDoc",
          message:
            "readonly attribute with key=sta was improperly modified. Saved changed value with key=READONLYERROR_sta",
          badness: "Complaint",
        },
      ]);
    }
    // promiscuous makes no readonly check (as MsPASS's code)
    expect(metadataToDoc(md, "wf", "promiscuous").doc).toMatchObject({ sta: "BBK", chan: "BHZ" });
    // the modified set can be given explicitly
    expect(metadataToDoc(md, "wf", "cautious", { modified: ["chan"] }).doc).toHaveProperty(
      "READONLYERROR_chan",
      "BHZ",
    );
  });

  it("type mismatch: cautious converts or drops (Complaint) or kills for required keys; pedantic kills", () => {
    const md = readHeader({ npts: "10", calib: "x", foff: 12.0 });
    const c = metadataToDoc(md, "wf", "cautious");
    expect(c.doc).toEqual({ npts: 10, foff: 12 });
    expect(c.dead).toBe(false);
    expect(c.elogEntries.map((e) => e.badness)).toEqual(["Complaint"]);
    const p = metadataToDoc(md, "wf", "pedantic");
    expect(p.dead).toBe(true);
    expect(p.elogEntries.filter((e) => e.badness === "Invalid")).toHaveLength(2); // npts and calib
    const required = metadataToDoc(readHeader({ storage_mode: { a: 1 } }), "wf", "cautious");
    expect(required.dead).toBe(true);
    expect(required.elogEntries[0]!.message).toMatch(/required key=storage_mode/);
  });

  it("writer-owned wf keys survive cautious saves even when the schema has no readonly flag for them", () => {
    const md = readHeader({ starttime_shift: 5.0, endtime: 10, data_tag: "t", url: "http://x" });
    const { doc } = metadataToDoc(md, "wf", "cautious");
    expect(doc).toEqual({ starttime_shift: 5.0, endtime: 10, data_tag: "t" }); // url is readonly and unmodified
    // the same keys on a non-waveform collection follow the plain rules
    expect(metadataToDoc(readHeader({ lat: 1, magnitude: 3 }), "source", "cautious").doc).toEqual({});
  });

  it("unknown mode throws", () => {
    expectMsPASSErrorSync(
      () => metadataToDoc(new Metadata(), "wf", "strict" as never),
      /unknown mode "strict"/,
    );
  });
});

describe("wf document fields", () => {
  it("UTC TimeSeries", () => {
    const ts = new TimeSeries({ npts: 11, dt: 0.1, t0: 1000, tref: "UTC" });
    expect(wfDocFields(ts)).toEqual({
      npts: 11,
      delta: 0.1,
      starttime: 1000,
      utc_convertible: true,
      time_standard: "UTC",
      endtime: 1001,
    });
  });

  it("relative with and without a valid shift", () => {
    const shifted = new TimeSeries({ npts: 2, dt: 1, t0: 3, t0shift: 1000 });
    expect(wfDocFields(shifted)).toMatchObject({
      time_standard: "Relative",
      utc_convertible: true,
      starttime_shift: 1000,
    });
    const plain = new TimeSeries({ npts: 2, dt: 1, t0: 3 });
    const f = wfDocFields(plain);
    expect(f).toMatchObject({ time_standard: "Relative", utc_convertible: false });
    expect(f).not.toHaveProperty("starttime_shift");
  });

  it("Seismogram adds tmatrix (flat 9 row-major), cardinal, orthogonal", () => {
    const s = new Seismogram({
      npts: 2,
      tref: "UTC",
      tmatrix: [
        [0, 1, 0],
        [1, 0, 0],
        [0, 0, 1],
      ],
    });
    expect(wfDocFields(s)).toMatchObject({
      tmatrix: [0, 1, 0, 1, 0, 0, 0, 0, 1],
      cardinal: false,
      orthogonal: true,
      npts: 2,
    });
  });

  it("buildWfDocument: mode-filtered Metadata overlaid with authoritative fields; a stale shift is removed", () => {
    const ts = TimeSeries.fromMetadata({
      npts: 4,
      delta: 0.5,
      starttime: 10,
      time_standard: "UTC",
      starttime_shift: 77,
      sta: "AAK",
      site_lat: 3,
    });
    ts.md.clearModified();
    ts.md.put("sta", "NEW");
    ts.npts = 2;
    const r = buildWfDocument(ts, "wf", "cautious");
    expect(r.doc).toEqual({
      READONLYERROR_sta: "NEW",
      npts: 2,
      delta: 0.5,
      starttime: 10,
      utc_convertible: true,
      time_standard: "UTC",
      endtime: 10.5,
    });
    expect(r.elogEntries).toHaveLength(1);
    const excluded = buildWfDocument(ts, "wf", "promiscuous", { excludeKeys: ["endtime"] });
    expect(excluded.doc).not.toHaveProperty("endtime");
    expect(excluded.doc.sta).toBe("NEW");
  });
});

describe("BSON number types", () => {
  it("integral doubles are stored as BSON double (MsPASS's isinstance(float) checks), ints stay int", () => {
    const s = new Seismogram({ npts: 3, dt: 1, t0: 0, tref: "UTC" });
    const { doc } = buildWfDocument(s, "wf_Seismogram", "cautious");
    const raw = (d: object) => BSON.deserialize(BSON.serialize(d), { promoteValues: false });
    // without the wrapping the driver would write int32 for delta: 1
    expect((raw(doc).delta as { _bsontype: string })._bsontype).toBe("Int32");
    const typed = raw(applyBsonTypes(doc, "wf_Seismogram"));
    const kind = (v: unknown) => (v as { _bsontype: string })._bsontype;
    expect(kind(typed.delta)).toBe("Double");
    expect(kind(typed.starttime)).toBe("Double");
    expect(kind(typed.endtime)).toBe("Double");
    expect(kind(typed.npts)).toBe("Int32");
    expect((typed.tmatrix as unknown[]).map(kind)).toEqual(Array(9).fill("Double"));
    // values survive the round trip unchanged when promoted
    expect(BSON.deserialize(BSON.serialize(applyBsonTypes(doc, "wf_Seismogram")))).toEqual(doc);
  });
});
