// "Bring your own firmware" on the wire: a ready ELF image carried by a flash request or a job
// instead of a model to build, with the protocol the agent drives it through. Checked the same
// way by the daemon (before it queues anything) and the agent (before it flashes anything):
// valid base64, within the size bound, an ELF, and the sha256 the submitter stated.
import { createHash } from 'node:crypto';
import { PROTOCOLS, RESULT_SOURCES } from './vocabulary.ts';
import { arr, base64, bool, id, int, obj, oneOf, sha256, str, typed, type ObjectOf } from './checks.ts';

/** An uploaded image as the wire shape bounds it. elfBase64 and sha256 may be absent there so
 * that checkByoFields, not the shape, says what is wrong with an image. */
const firmwareImageShape = {
  /** The image's own name (a product build, a vendor submission), for people reading results. */
  name: str(),
  /** The ELF file, base64. */
  elfBase64: base64,
  /** sha256 of the ELF bytes, lowercase hex: the submitter's statement, checked on arrival. */
  sha256,
};
/** An image that passed checkByoFields (which both receivers run before anything uses it): all
 * three fields present. */
export type FirmwareImage = Required<ObjectOf<typeof firmwareImageShape>>;

/** The fields a flash request and a job carry for a bring-your-own-firmware run (all optional on
 * the wire: their absence means tinyrack builds the model and speaks TR1). Spread into those
 * payloads' shapes in wire/mqtt.ts; their cross-field rules and the image check are
 * checkByoFields below. */
export const byoShape = {
  /** How the host talks to the firmware; a firmware image must speak 'mlperf-tiny'. */
  protocol: oneOf(PROTOCOLS, true),
  firmware: typed<FirmwareImage>(obj(firmwareImageShape), true),
  /** Who submitted the image (the daemon sets it from the broker-authenticated topic). */
  submittedBy: id(true),
  /** On-device validation (protocol mlperf-tiny): after the timed runs, every golden sample of
   * the model goes through the same flashed firmware and the result says how many agreed. */
  validateAllSamples: bool(true),
};
export type ByoFields = ObjectOf<typeof byoShape>;

/** The labels a result of such a job carries. */
export const byoResultShape = {
  protocol: oneOf(PROTOCOLS, true),
  /** Absent = 'tinyrack'. */
  source: oneOf(RESULT_SOURCES, true),
  submittedBy: id(true),
  /** sha256 and name of the image that ran (bring your own firmware). */
  firmwareSha256: sha256,
  firmwareName: str(true),
  /** On-device validation: golden samples run and how many gave the reference outputs. */
  validation: obj({ samples: int(0, 1_000_000), agreed: int(0, 1_000_000), disagreed: arr(int(0, 1_000_000), true) }, true),
};
export type ByoResultFields = ObjectOf<typeof byoResultShape>;

const NAME = /^[A-Za-z0-9_.+-]{1,64}$/;
const CLIENT = /^[A-Za-z0-9_.-]{1,64}$/;
export const MAX_FIRMWARE_BYTES_DEFAULT = 8 * 1024 * 1024;

/** A submitter id as it may appear in a topic and a tag. */
export function isClientId(s: string): boolean {
  return CLIENT.test(s);
}

/** The reasons a payload's bring-your-own-firmware fields are wrong (empty = fine). */
export function checkByoFields(v: unknown, path: string, maxBytes = MAX_FIRMWARE_BYTES_DEFAULT): string[] {
  const e: string[] = [];
  if (typeof v !== 'object' || v === null) return e;
  const r = v as { protocol?: unknown; firmware?: unknown; submittedBy?: unknown };
  if (r.protocol !== undefined && !(PROTOCOLS as readonly unknown[]).includes(r.protocol)) e.push(`${path}.protocol must be ${PROTOCOLS.join(' or ')}`);
  if (r.submittedBy !== undefined && (typeof r.submittedBy !== 'string' || !CLIENT.test(r.submittedBy))) e.push(`${path}.submittedBy must match ${CLIENT}`);
  const val = (v as { validateAllSamples?: unknown }).validateAllSamples;
  if (val !== undefined && typeof val !== 'boolean') e.push(`${path}.validateAllSamples must be true or false`);
  if (val === true && r.protocol !== 'mlperf-tiny') e.push(`${path}.validateAllSamples needs protocol mlperf-tiny (the host sends each sample's input)`);
  if (r.firmware === undefined) return e;
  const f = r.firmware as Partial<Record<keyof FirmwareImage, unknown>> | null;
  const p = `${path}.firmware`;
  if (typeof f !== 'object' || f === null || Array.isArray(f)) { e.push(`${p} must be an object`); return e; }
  if (r.protocol !== 'mlperf-tiny') e.push(`${path}.protocol must be mlperf-tiny for a firmware image (the agent drives it through that protocol)`);
  if (typeof f.name !== 'string' || !NAME.test(f.name)) e.push(`${p}.name must match ${NAME}`);
  if (typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256)) e.push(`${p}.sha256 must be 64 lowercase hex digits`);
  if (typeof f.elfBase64 !== 'string' || f.elfBase64.length === 0) { e.push(`${p}.elfBase64 must be a non-empty string`); return e; }
  const b64 = f.elfBase64;
  // Bound before decoding: the size a base64 string decodes to is known from its length.
  if (Math.floor((b64.length * 3) / 4) > maxBytes + 2) { e.push(`${p} is larger than the limit of ${maxBytes} bytes`); return e; }
  if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) { e.push(`${p}.elfBase64 is not valid base64`); return e; }
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length > maxBytes) e.push(`${p} is ${bytes.length} bytes, more than the limit of ${maxBytes} bytes`);
  if (bytes.length < 52 || bytes[0] !== 0x7f || bytes.subarray(1, 4).toString('latin1') !== 'ELF') e.push(`${p} is not an ELF file (no \\x7fELF header)`);
  if (typeof f.sha256 === 'string' && /^[0-9a-f]{64}$/.test(f.sha256)) {
    const sum = createHash('sha256').update(bytes).digest('hex');
    if (sum !== f.sha256) e.push(`${p}.sha256 says ${f.sha256} but the image's sha256 is ${sum}`);
  }
  return e;
}

/** The image's bytes, after checkByoFields found nothing wrong. */
export function firmwareBytes(f: FirmwareImage): Buffer {
  return Buffer.from(f.elfBase64, 'base64');
}
