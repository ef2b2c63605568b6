// Bring your own firmware, the daemon's side: flashing someone's binary onto a lab board is a
// privilege. A request carrying a firmware image is accepted only
//   - on tinyrack/requests/firmware/<client> (the broker ACL lets a client publish only under
//     its own name, so the topic says who submitted it — never a field the submitter fills in),
//   - from a client the lab config lists (daemon.requests.firmwareUploadClients; none by default),
//   - with a well-formed image: ELF, within daemon.requests.maxFirmwareBytes, the sha256 stated;
// and every accepted image is recorded (who, which sha256, which request and job, when) in an
// append-only audit file in the daemon's data folder as its job is queued.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkByoFields, type ByoFields } from '../wire/firmware-image.ts';
import type { FlashRequest } from '../wire/mqtt.ts';
import type { CheckedRequest } from './requests.ts';

export interface FirmwareUploadPolicy {
  firmwareUploadClients: string[];
  maxFirmwareBytes: number;
}

/** Applies the privilege and image checks to a request that passed checkFlashRequest. `client`
 * is the topic's client segment, undefined for the plain requests topic. Requests without an
 * image pass unchanged; an accepted image comes back with submittedBy set from the topic. */
export function checkFirmwareUpload(checked: CheckedRequest, client: string | undefined, policy: FirmwareUploadPolicy): CheckedRequest {
  if (!checked.ok) return checked;
  const req = checked.request;
  const reject = (reason: string): CheckedRequest => ({ ok: false, reason, requestId: req.requestId, replyTo: req.replyTo });
  if (req.firmware === undefined) {
    const errors = checkByoFields(req, 'payload', policy.maxFirmwareBytes);
    if (errors.length) return reject(errors.join('; '));
    if (client !== undefined) return reject(`a request on the firmware topic must carry a firmware image (model builds go to tinyrack/requests)`);
    return checked;
  }
  if (client === undefined) {
    return reject('firmware images are accepted only on tinyrack/requests/firmware/<client>, where the broker vouches for the client');
  }
  if (!policy.firmwareUploadClients.includes(client)) {
    return reject(`client "${client}" may not have its own firmware flashed (the lab config lists ${policy.firmwareUploadClients.length ? policy.firmwareUploadClients.join(', ') : 'no clients'} under daemon.requests.firmwareUploadClients)`);
  }
  if (req.submittedBy !== undefined && req.submittedBy !== client) {
    return reject(`submittedBy "${req.submittedBy}" does not match the topic's client "${client}"`);
  }
  const errors = checkByoFields(req, 'payload', policy.maxFirmwareBytes);
  if (errors.length) return reject(`invalid firmware image: ${errors.join('; ')}`);
  return { ...checked, request: { ...req, submittedBy: client } };
}

/** The job fields of an accepted request (empty when it carries no image or protocol). */
export function byoJobFields(req: FlashRequest): { byo?: ByoFields } {
  if (req.firmware === undefined && req.protocol === undefined && req.validateAllSamples === undefined) return {};
  return {
    byo: {
      ...(req.protocol ? { protocol: req.protocol } : {}),
      ...(req.firmware ? { firmware: req.firmware } : {}),
      ...(req.submittedBy ? { submittedBy: req.submittedBy } : {}),
      ...(req.validateAllSamples !== undefined ? { validateAllSamples: req.validateAllSamples } : {}),
    },
  };
}

export interface FirmwareAuditEntry {
  at: string;
  client: string;
  sha256: string;
  name: string;
  bytes: number;
  requestId: string;
  jobId: string;
  board: string;
}

export function auditPath(dataDir: string): string {
  return join(dataDir, 'firmware-uploads.jsonl');
}

/** Appends who submitted which image for which job (no-op for requests without an image). */
export function recordFirmwareUpload(dataDir: string, req: FlashRequest, jobId: string, boardKind: string, now = new Date()): FirmwareAuditEntry | undefined {
  if (!req.firmware || !req.submittedBy) return undefined;
  const entry: FirmwareAuditEntry = {
    at: now.toISOString(), client: req.submittedBy, sha256: req.firmware.sha256, name: req.firmware.name,
    bytes: Buffer.byteLength(req.firmware.elfBase64, 'base64'), requestId: req.requestId, jobId, board: boardKind,
  };
  const p = auditPath(dataDir);
  mkdirSync(dirname(p), { recursive: true });
  appendFileSync(p, `${JSON.stringify(entry)}\n`);
  return entry;
}

export function readFirmwareAudit(dataDir: string): FirmwareAuditEntry[] {
  const p = auditPath(dataDir);
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as FirmwareAuditEntry);
}
