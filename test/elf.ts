/**
 * What the release tests need to know about a Linux executable or shared
 * library, read straight from its ELF headers (64-bit little-endian, i.e.
 * x86_64 and aarch64): the symbol versions it needs from each shared library
 * (`.gnu.version_r`, what `objdump -T` shows as GLIBC_2.x), whether it is
 * dynamically linked, and whether its symbol table was stripped.
 */
import { readFileSync } from "node:fs";

const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const SHT_SYMTAB = 2;
const SHT_GNU_VERNEED = 0x6ffffffe;

export interface ElfInfo {
  /** Versions needed per library, e.g. { "libc.so.6": ["GLIBC_2.2.5", "GLIBC_2.17"] }. */
  versionsNeeded: Record<string, string[]>;
  /** Has a program interpreter (ld.so) or a dynamic section: not a static executable. */
  dynamic: boolean;
  /** Still carries a `.symtab` (not stripped). */
  hasSymtab: boolean;
}

function cString(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString("latin1", at, end < 0 ? buf.length : end);
}

export function readElf(path: string): ElfInfo {
  const buf = readFileSync(path);
  if (buf.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF file`);
  if (buf[4] !== 2 || buf[5] !== 1) throw new Error(`${path}: only 64-bit little-endian ELF is read here`);
  const phoff = Number(buf.readBigUInt64LE(0x20));
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);

  let dynamic = false;
  for (let i = 0; i < phnum; i++) {
    const type = buf.readUInt32LE(phoff + i * phentsize);
    if (type === PT_INTERP || type === PT_DYNAMIC) dynamic = true;
  }

  const sections = Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * shentsize;
    return {
      type: buf.readUInt32LE(at + 4),
      offset: Number(buf.readBigUInt64LE(at + 0x18)),
      link: buf.readUInt32LE(at + 0x28),
      info: buf.readUInt32LE(at + 0x2c),
    };
  });

  const versionsNeeded: Record<string, string[]> = {};
  for (const s of sections.filter((x) => x.type === SHT_GNU_VERNEED)) {
    const strtab = sections[s.link]!.offset;
    // sh_info holds the number of Verneed entries, each followed by its Vernaux chain.
    for (let n = 0, vn = s.offset; n < s.info; n++) {
      const count = buf.readUInt16LE(vn + 2);
      const file = cString(buf, strtab + buf.readUInt32LE(vn + 4));
      const names = (versionsNeeded[file] ??= []);
      for (let k = 0, aux = vn + buf.readUInt32LE(vn + 8); k < count; k++) {
        names.push(cString(buf, strtab + buf.readUInt32LE(aux + 8)));
        aux += buf.readUInt32LE(aux + 12);
      }
      vn += buf.readUInt32LE(vn + 12);
    }
  }
  return { versionsNeeded, dynamic, hasSymtab: sections.some((x) => x.type === SHT_SYMTAB) };
}

/** Orders symbol versions like "GLIBC_2.2.5" < "GLIBC_2.17" (numerically, part by part). */
export function compareGlibc(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.slice("GLIBC_".length).split(".").map(Number));
  for (let i = 0; i < Math.max(x!.length, y!.length); i++) {
    const d = (x![i] ?? 0) - (y![i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The highest `GLIBC_x.y[.z]` version the file needs ("GLIBC_2.17"), or undefined if none. */
export function highestGlibc(info: ElfInfo): string | undefined {
  return Object.values(info.versionsNeeded)
    .flat()
    .filter((v) => /^GLIBC_\d+(\.\d+)*$/.test(v))
    .sort(compareGlibc)
    .at(-1);
}
