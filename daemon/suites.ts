// Regression suites: a firing (cron or `tinyrack suite run`) expands the suite's matrix into jobs
// tagged with the suite and a run id; a firing while the previous run still has unfinished jobs is
// skipped and recorded; whoever asked for a run over MQTT hears `started` and later `finished`.
import { randomBytes } from 'node:crypto';
import cron from 'node-cron';
import { replyTopicProblem, validateSuiteRunRequest } from '../wire/mqtt.ts';
import { refusalAddress } from './requests.ts';
import { overRate } from './flash-requests.ts';
import type { RateLimiter } from './rate-limit.ts';
import { expandSuite } from './config.ts';
import type { JobRecord } from './jobs/job-store.ts';
import { jobEventPoint } from './influx/schema.ts';
import type { LabContext } from './lab-context.ts';

/** Something that calls fire() on a schedule; tests inject one that they fire by hand. */
export type SuiteScheduler = (expression: string, fire: () => void, suite: string) => { stop(): void };

export const cronScheduler: SuiteScheduler = (expression, fire, suite) => {
  const task = cron.schedule(expression, () => fire(), { name: `suite:${suite}` });
  return { stop: () => { void task.stop(); } };
};

export interface SuiteRunStarted { type: 'started'; suite: string; runId: string; jobIds: string[] }
export interface SuiteRunSkipped { type: 'skipped'; suite: string; runningRunId: string; reason: string }

export class Suites {
  private readonly requesters = new Map<string, Array<{ requestId: string; replyTo: string }>>();
  private schedules: Array<{ stop(): void }> = [];

  constructor(private readonly ctx: LabContext) {}

  schedule(scheduler: SuiteScheduler, fire: (suite: string) => void): void {
    for (const s of this.ctx.config.suites) {
      if (s.cron) this.schedules.push(scheduler(s.cron, () => fire(s.name), s.name));
    }
  }

  stop(): void {
    for (const s of this.schedules) s.stop();
    this.schedules = [];
  }

  /** Starts one run of a suite now, unless its previous run is still going (then skipped and recorded). */
  fire(name: string, trigger: 'cron' | 'manual'): SuiteRunStarted | SuiteRunSkipped {
    const { ctx } = this;
    const suite = ctx.config.suites.find((s) => s.name === name);
    if (!suite) throw new Error(`no suite "${name}" in ${ctx.config.source} (have: ${ctx.config.suites.map((s) => s.name).join(', ') || 'none'})`);
    const running = ctx.store.unfinishedOfSuite(name);
    if (running) {
      const runningRunId = running.tags!.suiteRun!;
      const reason = `previous run ${runningRunId} of suite ${name} is still going`;
      ctx.log(`suite ${name}: ${trigger} firing skipped: ${reason}`);
      ctx.point(jobEventPoint({ event: 'skipped', suite: name, runId: runningRunId, at: ctx.now(), error: reason }));
      ctx.emit('suite-skipped', { suite: name, runningRunId });
      return { type: 'skipped', suite: name, runningRunId, reason };
    }
    const stamp = new Date(ctx.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const runId = `${name}-${stamp}-${randomBytes(2).toString('hex')}`;
    const jobs = ctx.store.enqueueMany(expandSuite(suite).map((cell) => ({
      model: { name: cell.model }, boardKind: cell.boardKind, backend: cell.backend, tiling: cell.tiling,
      arithmetic: cell.arithmetic, reps: suite.reps, tags: { suite: name, suiteRun: runId, trigger },
    })));
    const jobIds = jobs.map((j) => j.jobId);
    ctx.recordJobEvents('queued', jobs, ctx.store.count('queued'));
    for (const j of jobs) ctx.emit('job', 'queued', j);
    ctx.log(`suite ${name}: run ${runId} (${trigger}) queued ${jobIds.length} jobs`);
    ctx.emit('suite-started', { suite: name, runId, jobIds });
    ctx.dispatch();
    return { type: 'started', suite: name, runId, jobIds };
  }

  /** Jobs of one suite run, and whether all are finished. */
  run(runId: string): { jobs: JobRecord[]; finished: boolean } {
    const jobs = this.ctx.store.byTag('suiteRun', runId);
    return { jobs, finished: jobs.every((j) => j.state === 'done' || j.state === 'failed') };
  }

  /** `tinyrack suite run`: a SuiteRunRequest on the suites topic. */
  onRunRequest(payload: Buffer, requester: string | undefined, rate: RateLimiter): void {
    const { ctx } = this;
    if (overRate(ctx, rate, payload, requester)) return;
    const v = validateSuiteRunRequest(payload, { now: ctx.now() });
    const why = !v.ok ? v.errors.join('; ') : replyTopicProblem(v.value.replyTo, requester) && `payload.${replyTopicProblem(v.value.replyTo, requester)}`;
    if (!v.ok || why) {
      ctx.counters.rejectedRequests++;
      const to = refusalAddress(payload, requester);
      ctx.log(`rejected suite run request ${to.requestId ?? '(no id)'}: ${why}`);
      if (to.replyTo) ctx.reply(to.replyTo, { v: 1, requestId: to.requestId ?? '', type: 'rejected', reason: `invalid suite run request: ${why}` });
      return;
    }
    const { requestId, suite, replyTo } = v.value;
    try {
      const out = this.fire(suite, 'manual');
      if (out.type === 'skipped') {
        ctx.reply(replyTo, { v: 1, requestId, type: 'skipped', suite, reason: out.reason, runningRunId: out.runningRunId });
      } else {
        this.requesters.set(out.runId, [...(this.requesters.get(out.runId) ?? []), { requestId, replyTo }]);
        ctx.reply(replyTo, { v: 1, requestId, type: 'started', suite, runId: out.runId, jobIds: out.jobIds });
        this.checkFinished(undefined, out.runId);
      }
    } catch (err) {
      ctx.reply(replyTo, { v: 1, requestId, type: 'rejected', reason: (err as Error).message });
    }
  }

  /** After a job of a run finished: when it was the last, say so (log, event, requesters). */
  checkFinished(job: JobRecord | undefined, runIdArg?: string): void {
    const { ctx } = this;
    const runId = runIdArg ?? job?.tags?.suiteRun;
    if (!runId) return;
    // Cheap in-memory answer first: only the run's last job reads the run from the database.
    if (ctx.store.unfinishedInRun(runId) > 0) return;
    const run = this.run(runId);
    if (!run.finished) return;
    const done = run.jobs.filter((j) => j.state === 'done').length;
    const failed = run.jobs.length - done;
    const suite = run.jobs[0]?.tags?.suite ?? runId;
    ctx.log(`suite ${suite}: run ${runId} finished: ${done} done, ${failed} failed`);
    ctx.emit('suite-finished', { suite, runId, done, failed, jobIds: run.jobs.map((j) => j.jobId) });
    for (const r of this.requesters.get(runId) ?? []) {
      ctx.reply(r.replyTo, { v: 1, requestId: r.requestId, type: 'finished', suite, runId, done, failed, jobIds: run.jobs.map((j) => j.jobId) });
    }
    this.requesters.delete(runId);
  }
}
