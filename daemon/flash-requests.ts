// On-demand flash requests (`tinyrack/requests`) turned into jobs: checked by daemon/requests.ts,
// answered on the requester's reply topic (rejected | accepted, later progress and result). A
// redelivered request or a client retry is answered again and never queued twice.
import { arithmeticOf } from '../wire/mqtt.ts';
import { checkFlashRequest, refusalAddress, sameRequester } from './requests.ts';
import { byoJobFields, checkFirmwareUpload, recordFirmwareUpload } from './firmware-uploads.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { LabContext } from './lab-context.ts';

export interface FlashRequestDeps {
  modelExists: (name: string) => boolean;
  rate: RateLimiter;
}

/** A requester over its rate gets one refusal (on its own reply topic) and nothing else. */
export function overRate(ctx: LabContext, rate: RateLimiter, payload: Buffer, requester: string | undefined): boolean {
  const who = requester ?? '(shared requests topic)';
  if (rate.take(who)) return false;
  ctx.counters.rejectedRequests++;
  const to = refusalAddress(payload, requester);
  const reason = `rate limit: more than ${ctx.config.requestRate.burst} requests at once or ${ctx.config.requestRate.perMinute} a minute from ${who}; retry in ${rate.retryAfterS(who)} s`;
  ctx.log(`rejected request ${to.requestId ?? '(no id)'}: ${reason}`);
  if (to.replyTo) ctx.reply(to.replyTo, { v: 1, requestId: to.requestId ?? '', type: 'rejected', reason });
  return true;
}

/** `requester`: the account the request topic names (the broker's ACL pins it to the account:
 * tinyrack/requests/<user>, or tinyrack/requests/firmware/<user> for bring-your-own firmware);
 * undefined on the old shared topic. A firmware image is accepted only on the firmware topic,
 * from a requester the lab allows (checkFirmwareUpload). */
export function onFlashRequest(ctx: LabContext, deps: FlashRequestDeps, payload: Buffer, requester: string | undefined, firmwareTopic = false): void {
  if (overRate(ctx, deps.rate, payload, requester)) return;
  const checked = checkFirmwareUpload(checkFlashRequest(payload, {
    modelExists: deps.modelExists,
    knownKinds: () => new Set([...ctx.registry.knownKinds(), ...ctx.config.boardKinds]),
    boardKindOf: (id) => ctx.registry.board(id)?.kind,
    maxUploadBytes: ctx.config.maxUploadBytes, now: ctx.now,
  }, requester), firmwareTopic ? requester : undefined, ctx.config);
  if (!checked.ok) {
    ctx.counters.rejectedRequests++;
    ctx.log(`rejected request ${checked.requestId ?? '(no id)'}: ${checked.reason}`);
    if (checked.replyTo) ctx.reply(checked.replyTo, { v: 1, requestId: checked.requestId ?? '', type: 'rejected', reason: checked.reason });
    ctx.emit('rejected-request', checked);
    return;
  }
  const req = checked.request;
  const existing = ctx.store.byRequest(req.requestId);
  if (existing?.request && !sameRequester(existing.request, requester, req.replyTo)) {
    ctx.counters.rejectedRequests++;
    ctx.log(`rejected request ${req.requestId}: the id belongs to another requester's job`);
    ctx.reply(req.replyTo, { v: 1, requestId: req.requestId, type: 'rejected', reason: `request id ${req.requestId} is already used by another requester; use a fresh one (a UUID)` });
    return;
  }
  if (existing) {
    ctx.reply(req.replyTo, { v: 1, requestId: req.requestId, type: 'accepted', jobId: existing.jobId });
    if (existing.result) ctx.reply(req.replyTo, { v: 1, requestId: req.requestId, type: 'result', jobId: existing.jobId, result: existing.result });
    return;
  }
  const job = ctx.store.enqueue({
    model: req.model, boardKind: checked.boardKind, ...(checked.boardId ? { boardId: checked.boardId } : {}),
    backend: req.backend, tiling: req.tiling, arithmetic: arithmeticOf(req), reps: req.reps,
    request: { requestId: req.requestId, replyTo: req.replyTo }, ...byoJobFields(req),
  });
  recordFirmwareUpload(ctx.config.dataDir, req, job.jobId, checked.boardKind);
  ctx.reply(req.replyTo, { v: 1, requestId: req.requestId, type: 'accepted', jobId: job.jobId });
  ctx.jobEvent('queued', job);
  ctx.dispatch();
}
