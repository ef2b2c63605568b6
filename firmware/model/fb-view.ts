// Bounds-checked access to a FlatBuffer: every offset, vtable and vector is checked against the
// file before it is read, so a truncated or bit-flipped file gives a ModelError naming what was
// out of range — never a RangeError, a read of garbage past the end, or a huge allocation
// (vector lengths are bounded by the bytes actually present).
import { ByteBuffer } from 'flatbuffers';
import { ModelError } from '../ir/graph.ts';

export class FbFile {
  readonly bb: ByteBuffer;
  readonly size: number;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(readonly bytes: Uint8Array) {
    this.bb = new ByteBuffer(bytes);
    this.size = bytes.byteLength;
  }

  /** Throws unless [pos, pos+len) lies inside the file. */
  need(pos: number, len: number, what: string): void {
    if (!Number.isSafeInteger(pos) || pos < 0 || len < 0 || pos + len > this.size) {
      throw new ModelError(`malformed model: ${what} at byte ${pos} (${len} bytes) lies outside the ${this.size}-byte file`);
    }
  }

  u8(pos: number, what: string): number { this.need(pos, 1, what); return this.bb.readUint8(pos); }
  i8(pos: number, what: string): number { this.need(pos, 1, what); return this.bb.readInt8(pos); }
  u16(pos: number, what: string): number { this.need(pos, 2, what); return this.bb.readUint16(pos); }
  i32(pos: number, what: string): number { this.need(pos, 4, what); return this.bb.readInt32(pos); }
  u32(pos: number, what: string): number { this.need(pos, 4, what); return this.bb.readUint32(pos); }
  f32(pos: number, what: string): number { this.need(pos, 4, what); return this.bb.readFloat32(pos); }
  i64(pos: number, what: string): bigint { this.need(pos, 8, what); return this.bb.readInt64(pos); }
  u64(pos: number, what: string): bigint { this.need(pos, 8, what); return this.bb.readUint64(pos); }

  /** The root table, after checking the 4-byte file identifier. */
  root(identifier: string): FbTable {
    if (this.size < 8) throw new ModelError(`not a TFLite model: file is only ${this.size} bytes`);
    const id = String.fromCharCode(...this.bytes.subarray(4, 8));
    if (id !== identifier) {
      throw new ModelError(`not a TFLite model: file identifier is ${JSON.stringify(id)}, expected "${identifier}"`);
    }
    return new FbTable(this, this.u32(0, 'root offset'), 'model');
  }

  text(pos: number, len: number): string {
    return this.decoder.decode(this.bytes.subarray(pos, pos + len));
  }
}

/** One table: its position and checked vtable. Field reads return the schema default when absent. */
export class FbTable {
  private readonly vtable: number;
  private readonly vtableLen: number;
  private readonly inlineLen: number;

  constructor(readonly file: FbFile, readonly pos: number, readonly what: string) {
    const vt = pos - file.i32(pos, `${what} table`);
    file.need(vt, 4, `${what} vtable`);
    this.vtable = vt;
    this.vtableLen = file.u16(vt, `${what} vtable`);
    this.inlineLen = file.u16(vt + 2, `${what} vtable`);
    if (this.vtableLen < 4 || this.vtableLen % 2 !== 0) {
      throw new ModelError(`malformed model: ${what} vtable has invalid length ${this.vtableLen}`);
    }
    if (this.inlineLen < 4) throw new ModelError(`malformed model: ${what} table has invalid size ${this.inlineLen}`);
    file.need(vt, this.vtableLen, `${what} vtable`);
    file.need(pos, this.inlineLen, `${what} table`);
  }

  /** Absolute position of field `slot` (checked to hold `size` bytes inside the table), or 0 if absent. */
  fieldPos(slot: number, size = 1): number {
    const entry = 4 + 2 * slot;
    if (entry + 2 > this.vtableLen) return 0;
    const off = this.file.u16(this.vtable + entry, `${this.what} vtable`);
    if (off === 0) return 0;
    if (off + size > this.inlineLen) {
      throw new ModelError(`malformed model: ${this.what} field ${slot} lies outside its table`);
    }
    return this.pos + off;
  }

  has(slot: number): boolean { return this.fieldPos(slot, 1) !== 0; }

  u8(slot: number, def = 0): number { const p = this.fieldPos(slot, 1); return p ? this.file.u8(p, this.what) : def; }
  i8(slot: number, def = 0): number { const p = this.fieldPos(slot, 1); return p ? this.file.i8(p, this.what) : def; }
  bool(slot: number, def = false): boolean { const p = this.fieldPos(slot, 1); return p ? this.file.u8(p, this.what) !== 0 : def; }
  i32(slot: number, def = 0): number { const p = this.fieldPos(slot, 4); return p ? this.file.i32(p, this.what) : def; }
  u32(slot: number, def = 0): number { const p = this.fieldPos(slot, 4); return p ? this.file.u32(p, this.what) : def; }
  f32(slot: number, def = 0): number { const p = this.fieldPos(slot, 4); return p ? this.file.f32(p, this.what) : def; }
  u64(slot: number, def = 0n): bigint { const p = this.fieldPos(slot, 8); return p ? this.file.u64(p, this.what) : def; }

  /** Follows the uoffset stored in field `slot`; 0 if absent. */
  private indirect(slot: number, what: string): number {
    const p = this.fieldPos(slot, 4);
    if (!p) return 0;
    const target = p + this.file.u32(p, what);
    this.file.need(target, 4, what);
    return target;
  }

  table(slot: number, what: string): FbTable | undefined {
    const p = this.indirect(slot, what);
    return p ? new FbTable(this.file, p, what) : undefined;
  }

  /** A vector's element start and length, checked to fit in the file; undefined if absent. */
  vector(slot: number, elemSize: number, what: string): { start: number; length: number } | undefined {
    const p = this.indirect(slot, what);
    if (!p) return undefined;
    const length = this.file.u32(p, what);
    this.file.need(p + 4, length * elemSize, what);
    return { start: p + 4, length };
  }

  string(slot: number, what: string): string | undefined {
    const v = this.vector(slot, 1, what);
    return v ? this.file.text(v.start, v.length) : undefined;
  }

  bytes(slot: number, what: string): Uint8Array | undefined {
    const v = this.vector(slot, 1, what);
    return v ? this.file.bytes.subarray(v.start, v.start + v.length) : undefined;
  }

  i32s(slot: number, what: string): number[] | undefined {
    const v = this.vector(slot, 4, what);
    if (!v) return undefined;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.file.bb.readInt32(v.start + 4 * i);
    return out;
  }

  f32s(slot: number, what: string): number[] | undefined {
    const v = this.vector(slot, 4, what);
    if (!v) return undefined;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.file.bb.readFloat32(v.start + 4 * i);
    return out;
  }

  /** int64 vector as numbers; values beyond 2^53 are rejected rather than silently rounded. */
  i64s(slot: number, what: string): number[] | undefined {
    const v = this.vector(slot, 8, what);
    if (!v) return undefined;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = this.file.bb.readInt64(v.start + 8 * i);
      if (x > BigInt(Number.MAX_SAFE_INTEGER) || x < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new ModelError(`malformed model: ${what}[${i}] = ${x} is out of range`);
      }
      out[i] = Number(x);
    }
    return out;
  }

  /** Tables of a vector of tables, each followed through its offset. */
  tables(slot: number, what: string): FbTable[] {
    const v = this.vector(slot, 4, what);
    if (!v) return [];
    const out: FbTable[] = [];
    for (let i = 0; i < v.length; i++) {
      const p = v.start + 4 * i;
      const target = p + this.file.u32(p, `${what}[${i}]`);
      this.file.need(target, 4, `${what}[${i}]`);
      out.push(new FbTable(this.file, target, `${what}[${i}]`));
    }
    return out;
  }
}
