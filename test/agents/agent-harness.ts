// Shared set-up of the agent tests: a rack config on a test broker, a client that records every
// message under tinyrack/#, and stand-in job steps whose "board" streams real report lines
// through the real capture code.
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { parseRackConfig, type RackConfig } from '../../agents/config/rack-config.ts';
import { formatRecord, type SerialRecord } from '../../wire/serial.ts';
import assert from 'node:assert/strict';
import { arithmeticOf, topics, validateJobResult, type JobResult, type JobSpec } from '../../wire/mqtt.ts';
import { Agent } from '../../agents/agent.ts';
import { defaultSteps } from '../../agents/pipeline/default-steps.ts';
import { captureReport, type LineSource } from '../../agents/serial/capture.ts';
import type { JobSteps, BuiltFirmware } from '../../agents/pipeline/types.ts';
import { tempDir } from '../helpers/temp-dir.ts';

export function rackConfig(brokerUrl: string, agentId: string, health: Record<string, number | string> = {}, workDir = tempDir('tinyrack-agent-')): RackConfig {
  const h = { retries: 0, backoffMs: 50, backoffFactor: 1, quarantineAfter: 3, runTimeoutS: 1, ...health };
  return parseRackConfig([
    `agentId: ${agentId}`, 'broker:', `  url: ${brokerUrl}`, `workDir: ${workDir}`,
    'virtual:', '  - kind: qemu-mps2-an386', '    count: 1',
    'health:', ...Object.entries(h).map(([k, v]) => `  ${k}: ${v}`),
  ].join('\n'), join(workDir, 'rack.yaml'));
}

export function job(jobId: string, over: Partial<JobSpec> = {}): JobSpec {
  return { v: 1, jobId, boardKind: 'qemu-mps2-an386', model: { name: 'sine_model' }, backend: 'aot', tiling: 'none', reps: 3, attempt: 1, deadline: Date.now() + 600_000, ...over };
}

export interface Msg { topic: string; payload: Record<string, unknown>; retain: boolean; qos: number }

/** A client that records every tinyrack message (a persistent session, so outages lose nothing). */
export async function recorder(url: string, clientId: string): Promise<{ client: MqttClient; msgs: Msg[]; waitFor: (pred: (m: Msg) => boolean, timeoutMs?: number) => Promise<Msg>; close: () => Promise<void> }> {
  const client = await mqtt.connectAsync(url, { clientId, clean: false, reconnectPeriod: 200 });
  const msgs: Msg[] = [];
  const waiters: Array<() => void> = [];
  client.on('message', (topic, payload, packet) => {
    let p: Record<string, unknown>;
    try { p = JSON.parse(payload.toString()); } catch { p = { raw: payload.toString() }; }
    msgs.push({ topic, payload: p, retain: packet.retain, qos: packet.qos });
    waiters.splice(0).forEach((w) => w());
  });
  await client.subscribeAsync('tinyrack/#', { qos: 1 });
  const waitFor = async (pred: (m: Msg) => boolean, timeoutMs = 20_000): Promise<Msg> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = msgs.find(pred);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for a message; have:\n${msgs.map((x) => `${x.topic} ${JSON.stringify(x.payload).slice(0, 200)}`).join('\n')}`);
      await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 100); });
    }
  };
  return { client, msgs, waitFor, close: async () => { await client.endAsync(true); } };
}

/** The report lines a firmware prints for the given per-inference counts. */
export function reportLines(counts: number[], hz = 25_000_000): string[] {
  const recs: Array<Omit<SerialRecord, 'seq'>> = [
    { type: 'BOOT', fields: { fw: 'standin', board: 'qemu-mps2-an386', counter: 'instructions', hz: String(hz) } },
    { type: 'MODEL', fields: { name: 'sine_model', backend: 'aot', arena: '128', warmup: '1', reps: String(counts.length) } },
    ...counts.map((c, i) => ({ type: 'INF' as const, fields: { i: String(i), count: String(c), stack: String(400 + i), heap: '0' } })),
    { type: 'OUT', fields: { o: '0', dtype: 'int8', hex: '7f' } },
    { type: 'END', fields: { status: '0' } },
  ];
  return recs.map((r, seq) => formatRecord({ seq, ...r }));
}

export interface StandInBoard {
  /** Lines the "board" prints for a job (default: a good report with counts 100, 101, 102). */
  script: (spec: JobSpec, runNo: number) => { lines: string[]; holdUntil?: Promise<void>; hang?: boolean };
  builds: string[];
  runs: string[];
}

/** Steps whose build/flash do nothing and whose board prints scripted lines into the real capture. */
export function standInSteps(board: StandInBoard): JobSteps {
  let current: JobSpec | undefined;
  return {
    async build(spec): Promise<BuiltFirmware> {
      board.builds.push(spec.jobId);
      current = spec;
      return {
        elfPath: '/nonexistent/standin.elf', firmwareHash: `fw-${spec.model.name}`, romBytes: 1000, ramBytes: 2000, arenaBytes: 128,
        expectedOutputs: [{ dtype: 'int8', hex: '7f' }], arithmetic: arithmeticOf(spec),
      };
    },
    async flash() { return { tool: 'standin', verified: true, runImage: '/nonexistent/standin.elf', durationMs: 0 }; },
    async run(_slot, _flashed, _fw, ctx) {
      const spec = current!;
      board.runs.push(spec.jobId);
      const s = board.script(spec, board.runs.length);
      const source: LineSource = {
        subscribe(onLine) {
          let stop = false;
          void (async () => {
            await s.holdUntil;
            for (const l of s.lines) { if (stop) return; onLine(l); }
          })();
          return () => { stop = true; };
        },
      };
      const limit = s.holdUntil ? 60_000 : ctx.timeoutMs;
      return { capture: await captureReport(source, { firstOutputMs: limit, totalMs: limit, signal: ctx.signal }) };
    },
  };
}

/** Starts a real agent (default steps: real build, real QEMU) on `brokerUrl` as `agentId`,
 * publishes one job to it, and returns its validated result; the agent is stopped either way. */
export async function runOneJob(brokerUrl: string, agentId: string, spec: JobSpec, timeoutMs: number): Promise<JobResult> {
  const agent = new Agent(rackConfig(brokerUrl, agentId, { runTimeoutS: 60 }), { steps: defaultSteps(), log: () => {} });
  const rec = await recorder(brokerUrl, `rec-${agentId}`);
  await agent.start();
  try {
    await rec.client.publishAsync(topics.agentJobs(agentId), JSON.stringify(spec), { qos: 1 });
    const m = await rec.waitFor((x) => x.topic === topics.agentResults(agentId), timeoutMs);
    const v = validateJobResult(m.payload);
    assert.ok(v.ok, JSON.stringify(v));
    return v.value;
  } finally {
    await agent.stop();
    await rec.close();
  }
}
