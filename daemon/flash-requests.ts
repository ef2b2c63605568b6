// On-demand flash requests (`tinyrack/requests`) turned into jobs: checked by daemon/requests.ts,
// answered on the requester's reply topic (rejected | accepted, later progress and result). A
// redelivered request or a client retry is answered again and never queued twice.
import { arithmeticOf } from '../wire/mqtt.ts';
import { checkFlashRequest } from './requests.ts';
import type { LabContext } from './lab-context.ts';

export interface FlashRequestDeps {
  modelExists: (name: string) => boolean;
}

export function onFlashRequest(ctx: LabContext, deps: FlashRequestDeps, payload: Buffer): void {
  const checked = checkFlashRequest(payload, {
    modelExists: deps.modelExists,
    knownKinds: () => new Set([...ctx.registry.knownKinds(), ...ctx.config.boardKinds]),
    boardKindOf: (id) => ctx.registry.board(id)?.kind,
    maxUploadBytes: ctx.config.maxUploadBytes,
  });
  if (!checked.ok) {
    ctx.counters.rejectedRequests++;
    ctx.log(`rejected request ${checked.requestId ?? '(no id)'}: ${checked.reason}`);
    if (checked.replyTo) ctx.reply(checked.replyTo, { v: 1, requestId: checked.requestId ?? '', type: 'rejected', reason: checked.reason });
    ctx.emit('rejected-request', checked);
    return;
  }
  const req = checked.request;
  const existing = ctx.store.byRequest(req.requestId);
  if (existing) {
    ctx.reply(req.replyTo, { v: 1, requestId: req.requestId, type: 'accepted', jobId: existing.jobId });
    if (existing.result) ctx.reply(req.replyTo, { v: 1, requestId: req.requestId, type: 'result', jobId: existing.jobId, result: existing.result });
    return;
  }
  const job = ctx.store.enqueue({
    model: req.model, boardKind: checked.boardKind, ...(checked.boardId ? { boardId: checked.boardId } : {}),
    backend: req.backend, tiling: req.tiling, arithmetic: arithmeticOf(req), reps: req.reps,
    request: { requestId: req.requestId, replyTo: req.replyTo },
  });
  ctx.reply(req.replyTo, { v: 1, requestId: req.requestId, type: 'accepted', jobId: job.jobId });
  ctx.jobEvent('queued', job);
  ctx.dispatch();
}
