// Checking an on-demand flash request before it becomes a job: the wire validator first, then
// what only the daemon knows (who asks, is the reply topic theirs, is the model in the set, is the
// upload a real .tflite of an acceptable size, does the lab have that board kind or board, is the
// requester within its rate). Every rejection says why, and says where it may be answered: a
// refusal is published once, and only on a topic the requester may read.
//
// Requesters: a request on tinyrack/requests/<user> (the broker ACL pins <user> to the account
// name) comes from <user>; its replies live under tinyrack/replies/<user>/. A request on the old
// shared tinyrack/requests topic has no requester (undefined): the shipped ACLs let nobody write
// there, so it only reaches a daemon on a broker without accounts.
import { createHash } from 'node:crypto';
import {
  isSafeId, LIMITS, replyTopicFor, replyTopicProblem, validateFlashRequest, type FlashRequest,
} from '../wire/mqtt.ts';

export interface RequestContext {
  modelExists(name: string): boolean;
  knownKinds(): Set<string>;
  boardKindOf(boardId: string): string | undefined;
  maxUploadBytes: number;
  /** The receiver's clock (ms). */
  now?: () => number;
}

export type CheckedRequest =
  | { ok: true; request: FlashRequest; boardKind: string; boardId?: string }
  | { ok: false; reason: string; requestId?: string; replyTo?: string };

/** The largest flash request payload: the upload limit as base64 plus the rest of the request. */
export function maxRequestBytes(maxUploadBytes: number): number {
  return Math.ceil(maxUploadBytes / 3) * 4 + LIMITS.requestOverheadBytes;
}

/** Where a refusal of a raw request may go, and the request id it may echo. The request's own
 * replyTo when it is the requester's; else the requester's reply topic for that request id; else
 * nowhere (an old-topic request without a usable replyTo is only logged and counted). An unsafe
 * request id is never echoed (it could be 5 MB, or carry a NUL). */
export function refusalAddress(raw: Buffer | string, requester: string | undefined): { requestId?: string; replyTo?: string } {
  let j: Record<string, unknown> = {};
  try {
    const text = typeof raw === 'string' ? raw : raw.length <= LIMITS.payloadBytes * 64 ? raw.toString('utf8') : '';
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) j = parsed as Record<string, unknown>;
  } catch { /* not JSON: answer on the requester's fallback topic, or not at all */ }
  const requestId = isSafeId(j.requestId) ? j.requestId : undefined;
  const own = typeof j.replyTo === 'string' && replyTopicProblem(j.replyTo, requester) === undefined ? j.replyTo : undefined;
  const replyTo = own ?? (requester === undefined ? undefined : replyTopicFor(requester, requestId ?? 'rejected'));
  return { ...(requestId ? { requestId } : {}), ...(replyTo ? { replyTo } : {}) };
}

export function checkFlashRequest(raw: Buffer | string, ctx: RequestContext, requester?: string): CheckedRequest {
  const v = validateFlashRequest(raw, { maxBytes: maxRequestBytes(ctx.maxUploadBytes), ...(ctx.now ? { now: ctx.now() } : {}) });
  if (!v.ok) return { ok: false, reason: `invalid request: ${v.errors.join('; ')}`, ...refusalAddress(raw, requester) };
  const req = v.value;
  // The validator knows replies live under tinyrack/replies/; only here is it known whose.
  const replyWhy = replyTopicProblem(req.replyTo, requester);
  if (replyWhy) return { ok: false, reason: `invalid request: payload.${replyWhy}`, ...refusalAddress(raw, requester) };
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

/** Whether a job created for an earlier request may answer this one (same request id): only for
 * the same requester — its replies went under the same prefix — so reusing another user's request
 * id never returns that user's result. On the old shared topic only the very same reply topic counts. */
export function sameRequester(earlier: { replyTo: string }, requester: string | undefined, replyTo: string): boolean {
  return requester === undefined ? earlier.replyTo === replyTo : replyTopicProblem(earlier.replyTo, requester) === undefined;
}
