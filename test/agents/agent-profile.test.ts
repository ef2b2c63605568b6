// A profiled lab job end to end: real broker, real agent with the real build pipeline and a
// real QEMU board. The job asks for a profile; the result carries one entry per op of the
// compiled graph (kind, MACs, count) that passes the wire validator and adds up to the
// inference the same result reports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { opMacs } from '../../firmware/ir/macs.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { modelPath } from '../../firmware/model-set/index.ts';
import { job, runOneJob } from './agent-harness.ts';

let broker: TestBroker;
before(async () => { broker = await startMosquitto(); });
after(async () => { await broker.dispose(); });

test('a job with profile: true returns metrics.profile, one entry per op, summing to the count', { timeout: 300_000 }, async () => {
  const res = await runOneJob(broker.url, 'p1', job('p-toycar', { model: { name: 'toycar' }, reps: 1, profile: true }), 240_000);
  assert.equal(res.ok, true, res.error);
  const p = res.metrics!.profile!;
  assert.ok(p, 'no profile in the result');
  assert.equal(p.resolution, 40);
  const graph = loadModel(modelPath('toycar'));
  assert.deepEqual(p.ops.map((o) => [o.op, o.kind, o.macs]), graph.ops.map((op, i) => [i, op.kind, opMacs(graph, op)]));
  // The profiled inference holds every op plus one counter read per op (~23 instructions on the
  // M4) and the call into tr_model_invoke; each side is quantized to 40 instructions.
  const sum = p.ops.reduce((a, o) => a + o.count, 0);
  const rest = res.metrics!.count - sum;
  assert.ok(rest >= -80 && rest <= p.ops.length * 32 + 64 + 80, `count ${res.metrics!.count} - per-op sum ${sum} = ${rest}`);
});
