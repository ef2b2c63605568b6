// Checking an on-demand flash request before it becomes a job: the wire validator first, then
// what only the daemon knows (is the model in the set, is the upload a real .tflite of an
// acceptable size, does the lab have that board kind or board). Every rejection says why.
import { createHash } from 'node:crypto';
import { validateFlashRequest, type FlashRequest } from '../wire/mqtt.ts';

export interface RequestContext {
  modelExists(name: string): boolean;
  knownKinds(): Set<string>;
  boardKindOf(boardId: string): string | undefined;
  maxUploadBytes: number;
}

export type CheckedRequest =
  | { ok: true; request: FlashRequest; boardKind: string; boardId?: string }
  | { ok: false; reason: string; requestId?: string; replyTo?: string };

export function checkFlashRequest(raw: Buffer | string, ctx: RequestContext): CheckedRequest {
  const v = validateFlashRequest(raw);
  if (!v.ok) {
    // Answer on the reply topic when the request got that far, so the client learns why.
    let requestId: string | undefined;
    let replyTo: string | undefined;
    try {
      const j = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8')) as Record<string, unknown>;
      if (typeof j.requestId === 'string' && j.requestId) requestId = j.requestId;
      if (typeof j.replyTo === 'string' && j.replyTo && !/[+#]/.test(j.replyTo)) replyTo = j.replyTo;
    } catch { /* not JSON: nobody to answer */ }
    return { ok: false, reason: `invalid request: ${v.errors.join('; ')}`, ...(requestId ? { requestId } : {}), ...(replyTo ? { replyTo } : {}) };
  }
  const req = v.value;
  const reject = (reason: string): CheckedRequest => ({ ok: false, reason, requestId: req.requestId, replyTo: req.replyTo });

  if ('tfliteBase64' in req.model && req.model.tfliteBase64 !== undefined) {
    const b64 = req.model.tfliteBase64;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return reject('model.tfliteBase64 is not valid base64');
    const approxBytes = (b64.length / 4) * 3;
    if (approxBytes > ctx.maxUploadBytes) return reject(`uploaded model is ${Math.round(approxBytes)} bytes, more than the limit of ${ctx.maxUploadBytes} bytes`);
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.length < 8 || bytes.subarray(4, 8).toString('latin1') !== 'TFL3') {
      return reject('uploaded model is not a .tflite flatbuffer (no "TFL3" identifier at bytes 4..8)');
    }
    if (req.model.sha256 !== undefined) {
      const sum = createHash('sha256').update(bytes).digest('hex');
      if (sum !== req.model.sha256.toLowerCase()) return reject(`uploaded model sha256 is ${sum}, request says ${req.model.sha256}`);
    }
  } else if (!ctx.modelExists(req.model.name)) {
    return reject(`unknown model "${req.model.name}" (not in the model set; upload it as tfliteBase64 instead)`);
  }

  if ('id' in req.board && req.board.id !== undefined) {
    const kind = ctx.boardKindOf(req.board.id);
    if (!kind) return reject(`unknown board "${req.board.id}"`);
    return { ok: true, request: req, boardKind: kind, boardId: req.board.id };
  }
  const kind = (req.board as { kind: string }).kind;
  const kinds = ctx.knownKinds();
  if (!kinds.has(kind)) {
    return reject(`unknown board kind "${kind}" (the lab has: ${[...kinds].sort().join(', ') || 'no boards yet'})`);
  }
  return { ok: true, request: req, boardKind: kind };
}
