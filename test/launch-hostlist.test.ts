/** SLURM hostlist expansion, against what `scontrol show hostnames` prints for the same lists. */
import { describe, expect, it } from "vitest";
import { expandHostlist } from "../dist/launcher/hostlist.js";

describe("expandHostlist", () => {
  it("expands ranges and lists with zero padding, in order", () => {
    expect(expandHostlist("node[01-03,07]")).toEqual(["node01", "node02", "node03", "node07"]);
    expect(expandHostlist("n[8-11]")).toEqual(["n8", "n9", "n10", "n11"]);
    expect(expandHostlist("c[098-101]")).toEqual(["c098", "c099", "c100", "c101"]);
  });
  it("handles several groups, suffixes, plain names and several brackets in one name", () => {
    expect(expandHostlist("login,gpu[1-2]-ib,node[5]")).toEqual(["login", "gpu1-ib", "gpu2-ib", "node5"]);
    expect(expandHostlist("r[1-2]n[01-02]")).toEqual(["r1n01", "r1n02", "r2n01", "r2n02"]);
    expect(expandHostlist("a1, a2")).toEqual(["a1", "a2"]);
  });
  it("rejects malformed lists with a message naming the list", () => {
    expect(() => expandHostlist("node[01-03")).toThrow(/bad hostlist 'node\[01-03': unbalanced '\['/);
    expect(() => expandHostlist("node[3-1]")).toThrow(/runs backwards/);
    expect(() => expandHostlist("node[a-b]")).toThrow(/'a-b' is not a number or range/);
  });
});
