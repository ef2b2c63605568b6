// What the agents tell the daemon — status, inventory, progress, results, health samples — and
// the job lifecycle that follows from it: leases re-queued when an agent goes offline or a
// deadline passes, results accepted once for the lease they answer, regressions flagged.
import type { IPoint } from 'influx';
import {
  topics, encode, arithmeticOf, validateAgentHealth, validateAgentStatus, validateInventory, validateJobProgress,
  validateJobResult, type JobResult, type RegressionEvent,
} from '../wire/mqtt.ts';
import type { JobRecord } from './jobs/job-store.ts';
import type { RegressionDetector } from './regressions.ts';
import {
  agentHealthPoint, boardStatePoint, healthSamplePoints, jobEventPoint, regressionPoint, resultPoint,
} from './influx/schema.ts';
import { clocked, type LabContext } from './lab-context.ts';
import { opProfilePoints } from './influx/op-profile.ts';

/** Agent-side failures that are about the agent, not the job (agents/agent.ts reports these). */
const INFRA_FAILURE = /^(agent restarted during job|agent stopping)/;

export interface AgentInputHooks {
  /** A job reached done or failed (suites check whether their run finished). */
  finished(job: JobRecord): void;
}

export class AgentInput {
  /** Agents whose malformed health samples were already logged: a broken agent sends one every
   * sampleIntervalS, and the log should say so once (the counter keeps counting). */
  private readonly healthComplained = new Set<string>();
  /** Agents reported offline whose leases are held for the grace period: agent -> timer. */
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly ctx: LabContext, private readonly detector: RegressionDetector, private readonly hooks: AgentInputHooks,
    /** See DaemonOptions.offlineGraceMs. */
    private readonly offlineGraceMs: number,
    /** Runs a deferred action as its own unit of work. */
    private readonly later: (fn: () => void) => void,
  ) {}

  stop(): void {
    for (const t of this.graceTimers.values()) clearTimeout(t);
    this.graceTimers.clear();
  }

  status(agentId: string, topic: string, payload: Buffer): void {
    const { ctx } = this;
    if (payload.length === 0) return; // retained message cleared
    const v = clocked(ctx, topic, validateAgentStatus(payload, { now: ctx.now() }));
    if (!v.ok || v.value.agentId !== agentId) return ctx.log(`ignored status on ${topic}: ${v.ok ? 'agentId does not match topic' : v.errors.join('; ')}`);
    const change = ctx.registry.applyStatus(v.value);
    const entry = ctx.registry.agent(agentId);
    // The release without the advertised features: one series per agent version, not per feature set.
    ctx.point(agentHealthPoint(agentId, v.value.state === 'online', entry?.boards.length ?? 0, v.value.version === undefined ? undefined : entry?.version, ctx.now()));
    if (change.wentOffline || v.value.state === 'offline') this.offline(agentId);
    if (v.value.state === 'online') this.back(agentId);
    if (change.cameOnline) ctx.log(`agent ${agentId} online`);
    ctx.dispatch();
  }

  inventory(agentId: string, topic: string, payload: Buffer): void {
    const { ctx } = this;
    if (payload.length === 0) return;
    const v = clocked(ctx, topic, validateInventory(payload, { now: ctx.now() }));
    if (!v.ok || v.value.agentId !== agentId) return ctx.log(`ignored inventory on ${topic}: ${v.ok ? 'agentId does not match topic' : v.errors.join('; ')}`);
    const refused = ctx.registry.applyInventory(v.value);
    if (refused.length) {
      ctx.counters.refusedBoards += refused.length;
      ctx.log(`agent ${agentId} reported boards another agent owns, left out: ${refused.map((r) => `${r.boardId} (${r.owner})`).join(', ')}`);
    }
    this.writeBoardStates(agentId);
    ctx.dispatch();
  }

  progress(agentId: string, topic: string, payload: Buffer): void {
    const { ctx } = this;
    const v = clocked(ctx, topic, validateJobProgress(payload, { now: ctx.now() }));
    if (!v.ok) return ctx.log(`ignored progress on ${topic}: ${v.errors.join('; ')}`);
    const job = ctx.store.get(v.value.jobId);
    if (!job || job.state !== 'dispatched' || job.agentId !== agentId) return;
    ctx.emit('progress', v.value);
    if (job.request) {
      ctx.reply(job.request.replyTo, {
        v: 1, requestId: job.request.requestId, type: 'progress', jobId: job.jobId, phase: v.value.phase,
        ...(v.value.message !== undefined ? { message: v.value.message } : {}),
      });
    }
  }

  result(agentId: string, topic: string, payload: Buffer): void {
    const { ctx } = this;
    const v = clocked(ctx, topic, validateJobResult(payload, { now: ctx.now(), keepText: true }));
    if (!v.ok) { ctx.counters.ignoredResults++; return ctx.log(`ignored malformed result on ${topic}: ${v.errors.join('; ')}`); }
    if (v.value.agentId !== agentId) { ctx.counters.ignoredResults++; return ctx.log(`ignored result on ${topic}: agentId ${v.value.agentId} does not match topic`); }
    this.applyResult(v.value, v.text);
  }

  health(agentId: string, topic: string, payload: Buffer): void {
    const { ctx } = this;
    const v = clocked(ctx, topic, validateAgentHealth(payload, { now: ctx.now() }));
    const errors = !v.ok ? v.errors : v.value.agentId !== agentId ? [`payload.agentId ${v.value.agentId} does not match the topic's ${agentId}`] : [];
    if (!v.ok || errors.length) {
      ctx.counters.malformedHealth++;
      if (!this.healthComplained.has(agentId)) {
        this.healthComplained.add(agentId);
        ctx.log(`ignored malformed health sample on ${topic} (further ones from ${agentId} are only counted): ${errors.join('; ')}`);
      }
      ctx.emit('malformed-health', { agentId, errors });
      return;
    }
    // A good sample again: a later breakage of this agent is worth a log line of its own.
    this.healthComplained.delete(agentId);
    // A sample overtaken by a newer one (QoS 0 has no order guarantee across reconnects) is still a
    // true measurement at its own time: written, but with the state it reported itself.
    const newest = ctx.registry.applyHealth(v.value);
    const views = new Map(newest ? ctx.registry.boards(ctx.store.leasedBoards()).filter((b) => b.agentId === agentId).map((b) => [b.boardId, b.effective]) : []);
    ctx.point(...healthSamplePoints(v.value, (id) => views.get(id)));
    ctx.emit('health', v.value);
  }

  /** An "offline" status — the agent's own goodbye, or its last will, which a broker also
   * publishes when it shuts down cleanly. An agent that is really gone does not come back; one
   * cut off by a broker restart re-announces within seconds, still running its jobs with their
   * results in its outbox. So its leases are held for the grace period, and re-queued only if it
   * has not come back by then (its jobs' deadlines still apply meanwhile). */
  private offline(agentId: string): void {
    this.writeBoardStates(agentId);
    const held = this.ctx.store.dispatchedTo(agentId);
    if (!held.length) return;
    if (this.offlineGraceMs <= 0) { this.releaseLeases(agentId); return; }
    if (this.graceTimers.has(agentId)) return;
    this.ctx.log(`agent ${agentId} offline with ${held.length} job(s) out: holding them ${this.offlineGraceMs} ms for it to come back`);
    const timer = setTimeout(() => {
      this.graceTimers.delete(agentId);
      this.later(() => {
        if (this.ctx.registry.agent(agentId)?.online) return;
        this.releaseLeases(agentId);
        this.ctx.dispatch();
      });
    }, this.offlineGraceMs);
    timer.unref();
    this.graceTimers.set(agentId, timer);
  }

  private back(agentId: string): void {
    const timer = this.graceTimers.get(agentId);
    if (!timer) return;
    clearTimeout(timer);
    this.graceTimers.delete(agentId);
    this.ctx.log(`agent ${agentId} back within the grace period: its ${this.ctx.store.dispatchedTo(agentId).length} job(s) stay with it`);
  }

  private releaseLeases(agentId: string): void {
    for (const job of this.ctx.store.dispatchedTo(agentId)) this.requeue(job, `agent ${agentId} went offline`);
  }

  /** receivedJson: the payload's JSON text when it is exactly `received` (the store keeps it as is). */
  private applyResult(received: JobResult, receivedJson?: string): void {
    const { ctx } = this;
    // The agent lost the job itself (it restarted or was stopped mid-job): that says nothing about
    // the model or the board, so the job gets another attempt instead of failing.
    const held = ctx.store.get(received.jobId);
    if (!received.ok && held?.state === 'dispatched' && held.attempt === received.attempt && held.agentId === received.agentId && INFRA_FAILURE.test(received.error ?? '')) {
      this.requeue(held, `agent ${received.agentId}: ${received.error}`);
      ctx.dispatch();
      return;
    }
    const verdict = ctx.store.complete(received, receivedJson);
    if (!verdict.accepted) {
      ctx.counters.ignoredResults++;
      ctx.log(`ignored result for job ${received.jobId} (attempt ${received.attempt} from ${received.agentId}): ${verdict.reason}`);
      ctx.emit('ignored-result', { result: received, reason: verdict.reason });
      return;
    }
    const job = verdict.job;
    if (job.agentId && job.boardId) ctx.registry.jobFinished(job.agentId, job.boardId);
    // The result as the store applied it: the agent's own, or a failure when it was built in
    // another arithmetic than the job asked for.
    const r = job.result!;
    const points: IPoint[] = [];
    const rp = resultPoint(r, job.tags?.suite);
    if (rp) {
      points.push(rp);
      for (const p of opProfilePoints(r, job.tags?.suite)) points.push(p);
    }
    if (job.state === 'done') ctx.recordJobEvents('done', [job]);
    else points.push(jobEventPoint(ctx.eventInfo('failed', job, job.error)));
    const regressions = this.detector.check(r, new Date(ctx.now()));
    for (const ev of regressions) {
      points.push(regressionPoint(ev));
      ctx.counters.regressions++;
      ctx.publish(topics.regressions, encode(ev));
      ctx.log(`regression: ${ev.model} ${ev.metric} ${ev.baseline} -> ${ev.value} (${ev.changePct}%) on ${ev.boardKind} ${ev.backend}/${ev.tiling}/${arithmeticOf(ev)}`);
      ctx.emit('regression', ev as RegressionEvent);
    }
    ctx.pointAll(points);
    if (job.request) ctx.reply(job.request.replyTo, { v: 1, requestId: job.request.requestId, type: 'result', jobId: job.jobId, result: r });
    ctx.emit('result', job, r);
    this.hooks.finished(job);
    ctx.dispatch();
  }

  /** Re-queues jobs whose deadline passed. */
  checkDeadlines(): void {
    const t = this.ctx.now();
    for (const job of this.ctx.store.inState('dispatched')) {
      if (job.deadline !== undefined && job.deadline < t) this.requeue(job, `deadline passed (${job.attemptTimeoutMs} ms)`);
    }
  }

  requeue(job: JobRecord, reason: string): void {
    const { ctx } = this;
    const next = ctx.store.requeue(job.jobId, reason);
    ctx.counters.requeues++;
    ctx.log(`job ${job.jobId}: ${reason}; ${next.state === 'failed' ? 'giving up' : 're-queued'}`);
    ctx.jobEvent(next.state === 'failed' ? 'failed' : 'requeued', { ...next, attempt: job.attempt, boardId: job.boardId, agentId: job.agentId }, reason);
    if (next.state === 'failed') {
      if (next.request) {
        ctx.reply(next.request.replyTo, {
          v: 1, requestId: next.request.requestId, type: 'progress', jobId: next.jobId, phase: 'failed', message: next.error,
        });
      }
      ctx.emit('job-failed', next);
      this.hooks.finished(next);
    }
  }

  writeBoardStates(agentId?: string): void {
    const { ctx } = this;
    const t = ctx.now();
    ctx.point(...ctx.registry.boards(ctx.store.leasedBoards()).filter((b) => !agentId || b.agentId === agentId)
      .map((b) => boardStatePoint(b.agentId, b.boardId, b.kind, b.effective, b.failures ?? 0, t)));
  }
}
