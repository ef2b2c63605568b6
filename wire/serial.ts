// The serial report format: what firmware prints on its console, what agents parse.
// Documented in docs/serial-format.md; the C side is firmware/runtime/tr_report.c.
//
// One record per line:
//
//   TR1 <seq> <type> <key>=<value> <key>=<value> ...*<crc>\r?\n
//
// - "TR1" marks a report line and its format version; anything else on the console (boot
//   noise, printf debugging) is ignored, and counted as noise.
// - <seq> is a decimal sequence number starting at 0 after reset, +1 per record, so a host can
//   see a dropped line or a board that rebooted mid-run (seq goes back to 0).
// - <type> is one of RECORD_TYPES. Values contain no spaces, '=' or '*'.
// - <crc> is the CRC-32 (IEEE 802.3, as zlib) of every byte from 'T' of "TR1" up to and not
//   including '*', as 8 lowercase hex digits. A line whose CRC does not match is corrupt: it is
//   counted and never parsed into results.

export const RECORD_TYPES = ['BOOT', 'MODEL', 'INF', 'OUT', 'MARK', 'END', 'ERR', 'PROF', 'PROFOP'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** Keys each record type must carry (others are allowed and kept). */
export const REQUIRED_KEYS: Record<RecordType, readonly string[]> = {
  // fw: firmware id (content hash); board: board definition id; counter: what `count` means
  // ("cycles" on real silicon, "instructions" on QEMU with -icount); hz: the core clock counts
  // are divided by. Optional since the clock set-up (older firmware lacks them): hz_target,
  // clock_source (vocabulary CLOCK_SOURCES), clock_fault, clock_osc, clock_ref.
  BOOT: ['fw', 'board', 'counter', 'hz'],
  // model name, backend (aot|tflm), arena bytes, warmup and timed inference counts.
  MODEL: ['name', 'backend', 'arena', 'warmup', 'reps'],
  // One timed inference: i index, count (cycles or instructions), stack and heap high-water.
  INF: ['i', 'count', 'stack', 'heap'],
  // One output tensor of the last inference: o output index, dtype, hex of its raw bytes.
  OUT: ['o', 'dtype', 'hex'],
  // Power-measurement marks (the firmware toggles a GPIO at the same moment): what=start|stop.
  MARK: ['what', 'i'],
  // End of run: status 0 = ok.
  END: ['status'],
  // A firmware-side failure: code and message (underscores for spaces).
  ERR: ['code', 'msg'],
  // Per-op profile of the last timed inference (profiled builds only), printed after the INF
  // records: ops = PROFOP records that follow; the counter read's own cost = cost / reads.
  PROF: ['ops', 'reads', 'cost'],
  // One op: n its position in execution order, op its graph index, kind, count the counter
  // difference across it (in BOOT counter units; one counter read included).
  PROFOP: ['n', 'op', 'kind', 'count'],
};

export interface SerialRecord {
  seq: number;
  type: RecordType;
  fields: Record<string, string>;
}

export type LineResult =
  | { kind: 'record'; record: SerialRecord }
  | { kind: 'noise'; line: string }
  | { kind: 'corrupt'; line: string; reason: string };

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array | string): number {
  const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Formats a record exactly as the firmware would print it (without the line ending). */
export function formatRecord(rec: SerialRecord): string {
  const body = [`TR1 ${rec.seq} ${rec.type}`,
    ...Object.entries(rec.fields).map(([k, v]) => `${k}=${v}`)].join(' ');
  return `${body}*${crc32(body).toString(16).padStart(8, '0')}`;
}

/** Classifies one console line (line ending already stripped or not). */
export function parseLine(raw: string): LineResult {
  const line = raw.replace(/\r?\n$/, '').replace(/\r$/, '');
  const start = line.indexOf('TR1 ');
  if (start < 0) return { kind: 'noise', line };
  // Anything before "TR1" on the same line is garbage that got glued to a real record; the CRC
  // decides whether the record itself survived.
  const rec = line.slice(start);
  const star = rec.lastIndexOf('*');
  if (star < 0) return { kind: 'corrupt', line, reason: 'no checksum' };
  const body = rec.slice(0, star);
  const crcText = rec.slice(star + 1);
  if (!/^[0-9a-f]{8}$/.test(crcText)) return { kind: 'corrupt', line, reason: 'malformed checksum' };
  if (crc32(body).toString(16).padStart(8, '0') !== crcText) {
    return { kind: 'corrupt', line, reason: 'checksum mismatch' };
  }
  const parts = body.split(' ');
  const seq = Number(parts[1]);
  const type = parts[2] as RecordType;
  if (!Number.isInteger(seq) || seq < 0) return { kind: 'corrupt', line, reason: 'bad sequence number' };
  if (!RECORD_TYPES.includes(type)) return { kind: 'corrupt', line, reason: `unknown record type ${parts[2]}` };
  const fields: Record<string, string> = {};
  for (const p of parts.slice(3)) {
    const eq = p.indexOf('=');
    if (eq <= 0) return { kind: 'corrupt', line, reason: `malformed field "${p}"` };
    fields[p.slice(0, eq)] = p.slice(eq + 1);
  }
  for (const k of REQUIRED_KEYS[type]) {
    if (!(k in fields)) return { kind: 'corrupt', line, reason: `${type} record lacks "${k}"` };
  }
  return { kind: 'record', record: { seq, type, fields } };
}
