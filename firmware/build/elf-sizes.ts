// Static sizes of a linked firmware, read from the ELF section headers (ELF32 and ELF64,
// little-endian): no dependency on the toolchain's `size` tool, works for every board.
//   ROM = every allocated section with file contents (code, rodata, vectors, .data's initial
//         values) — what is written to flash.
//   RAM = every allocated writable section (.data, .bss with the arena, the stack).
import { readFileSync } from 'node:fs';

export interface SectionSize {
  name: string;
  address: number;
  bytes: number;
  rom: boolean;
  ram: boolean;
}

export interface ElfSizes {
  romBytes: number;
  ramBytes: number;
  sections: SectionSize[];
}

const SHT_NOBITS = 8;
const SHF_WRITE = 0x1;
const SHF_ALLOC = 0x2;

export function elfSizes(path: string): ElfSizes {
  const b = readFileSync(path);
  if (b.length < 52 || b.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF file`);
  const is64 = b[4] === 2;
  if (b[5] !== 1) throw new Error(`${path}: big-endian ELF not supported`);
  const shoff = is64 ? Number(b.readBigUInt64LE(0x28)) : b.readUInt32LE(0x20);
  const shentsize = b.readUInt16LE(is64 ? 0x3a : 0x2e);
  const shnum = b.readUInt16LE(is64 ? 0x3c : 0x30);
  const shstrndx = b.readUInt16LE(is64 ? 0x3e : 0x32);
  const header = (i: number) => {
    const o = shoff + i * shentsize;
    return is64
      ? { name: b.readUInt32LE(o), type: b.readUInt32LE(o + 4), flags: Number(b.readBigUInt64LE(o + 8)),
        addr: Number(b.readBigUInt64LE(o + 16)), offset: Number(b.readBigUInt64LE(o + 24)), size: Number(b.readBigUInt64LE(o + 32)) }
      : { name: b.readUInt32LE(o), type: b.readUInt32LE(o + 4), flags: b.readUInt32LE(o + 8),
        addr: b.readUInt32LE(o + 12), offset: b.readUInt32LE(o + 16), size: b.readUInt32LE(o + 20) };
  };
  const strtab = header(shstrndx);
  const nameAt = (off: number) => {
    const start = strtab.offset + off;
    const end = b.indexOf(0, start);
    return b.toString('latin1', start, end);
  };
  const sections: SectionSize[] = [];
  for (let i = 1; i < shnum; i++) {
    const h = header(i);
    if (!(h.flags & SHF_ALLOC) || h.size === 0) continue;
    const rom = h.type !== SHT_NOBITS;
    const ram = (h.flags & SHF_WRITE) !== 0;
    sections.push({ name: nameAt(h.name), address: h.addr, bytes: h.size, rom, ram });
  }
  return {
    romBytes: sections.filter((s) => s.rom).reduce((a, s) => a + s.bytes, 0),
    ramBytes: sections.filter((s) => s.ram).reduce((a, s) => a + s.bytes, 0),
    sections,
  };
}
