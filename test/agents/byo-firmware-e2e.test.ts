// Bring your own firmware, end to end on real parts: a firmware built separately with
// `tinyrack build --protocol mlperf-tiny` (the CLI, as a lab would), submitted as an ELF through
// a real Mosquitto to the daemon by an allowed client, dispatched to a real agent, flashed onto
// a QEMU board and driven through the MLPerf Tiny protocol. The result is labelled (source byo,
// counter us-lap, who submitted which sha256, latency estimated on QEMU), its outputs agree
// with the reference, the audit file records it, and its regression baseline is kept apart.
// Clients not on the lab's list, images on the plain requests topic, and images whose sha256
// or format is wrong are refused with a reason, and nothing is queued for them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { tempDir } from '../helpers/temp-dir.ts';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { startInfluxdb, type TestInfluxdb } from '../../tools/influxdb.ts';
import { Agent } from '../../agents/agent.ts';
import { defaultSteps } from '../../agents/pipeline/default-steps.ts';
import { flash } from '../../daemon/client.ts';
import type { Daemon } from '../../daemon/daemon.ts';
import { readFirmwareAudit } from '../../daemon/firmware-uploads.ts';
import { baselineKey } from '../../daemon/regressions.ts';
import { validateJobResult, type FlashRequest } from '../../wire/mqtt.ts';
import { rackConfig } from './agent-harness.ts';
import { labConfig, startDaemon, waitFor } from '../daemon/support.ts';

let broker: TestBroker;
let influx: TestInfluxdb;
const DB = 'byo_test';
let daemon: Daemon;
let agent: Agent;
let dataDir: string;

before(async () => {
  [broker, influx] = await Promise.all([startMosquitto(), startInfluxdb()]);
  const cfg = labConfig('  requests:\n    firmwareUploadClients: [acme]\n');
  dataDir = cfg.dataDir;
  daemon = await startDaemon({ config: cfg, brokerUrl: broker.url, influx: { url: influx.url, database: DB }, clientId: 'daemon-byo' });
  agent = new Agent(rackConfig(broker.url, 'byo1', { runTimeoutS: 120, buildTimeoutS: 120 }), { steps: defaultSteps(), log: () => {} });
  await agent.start();
  await waitFor('agent registered', () => daemon.registry.boards().length === 1 && daemon.registry.agent('byo1')?.online, 30_000);
});

after(async () => {
  await agent?.stop();
  await daemon?.stop();
  await Promise.all([broker?.dispose(), influx?.dispose()]);
});

function image(elf: Buffer, over: Partial<FlashRequest['firmware'] & object> = {}): NonNullable<FlashRequest['firmware']> {
  return { name: 'acme-toycar', elfBase64: elf.toString('base64'), sha256: createHash('sha256').update(elf).digest('hex'), ...over };
}

const request = (firmware: FlashRequest['firmware']) => ({
  model: { name: 'toycar' }, board: { kind: 'qemu-mps2-an386' }, backend: 'aot' as const, tiling: 'none' as const, reps: 2,
  protocol: 'mlperf-tiny' as const, firmware,
});

test('a firmware built with `tinyrack build --protocol mlperf-tiny`, submitted by an allowed client, runs end to end and is labelled', { timeout: 300_000 }, async () => {
  const out = execFileSync(process.execPath, ['bin/tinyrack.mjs', 'build', '--model', 'toycar', '--board', 'qemu-mps2-an386', '--protocol', 'mlperf-tiny', '--json'], { encoding: 'utf8' });
  const built = JSON.parse(out) as { elfPath: string; protocol: string; expectedOutputs: { hex: string }[] };
  assert.equal(built.protocol, 'mlperf-tiny');
  const elf = readFileSync(built.elfPath);
  const img = image(elf);

  // Submitted with the lab's own client, `tinyrack request --firmware ... --as acme`.
  const elfCopy = join(tempDir('tinyrack-byo-'), 'acme-toycar.elf');
  copyFileSync(built.elfPath, elfCopy);
  const cli = await execa(process.execPath, ['bin/tinyrack.mjs', 'request', '--model', 'toycar', '--board-kind', 'qemu-mps2-an386', '--reps', '2',
    '--firmware', elfCopy, '--as', 'acme', '--broker', broker.url, '--timeout', '240', '--json'], { reject: false });
  assert.equal(cli.exitCode, 0, cli.stderr);
  const v = validateJobResult(cli.stdout);
  assert.ok(v.ok, JSON.stringify(v));
  const res = v.value;
  assert.equal(res.ok, true, res.error);
  assert.equal(res.source, 'byo');
  assert.equal(res.protocol, 'mlperf-tiny');
  assert.equal(res.submittedBy, 'acme');
  assert.equal(res.firmwareSha256, img.sha256);
  assert.equal(res.firmwareName, 'acme-toycar');
  assert.equal(res.metrics?.counter, 'us-lap');
  assert.equal(res.metrics?.counts.length, 2);
  assert.ok(res.metrics!.counts.every((c) => c > 0));
  // Latency is the median of the firmware's own m-lap-us intervals (microseconds).
  const [a, b] = res.metrics!.counts;
  assert.equal(res.metrics?.latencyUs, (a! + b!) / 2);
  assert.equal(res.metrics?.latencyEstimated, true);
  // The m-results vector equals the reference interpreter's outputs, dequantized.
  assert.equal(res.metrics?.outputsMatch, true);
  // No instruction-based energy estimate is made from someone else's microseconds.
  assert.equal(res.metrics?.energyUj, undefined);

  const audit = readFirmwareAudit(dataDir);
  assert.equal(audit.length, 1);
  assert.deepEqual({ client: audit[0]!.client, sha256: audit[0]!.sha256, jobId: audit[0]!.jobId, bytes: audit[0]!.bytes },
    { client: 'acme', sha256: img.sha256, jobId: res.jobId, bytes: elf.length });
  // Its regression series is not tinyrack's own.
  assert.notEqual(baselineKey(res), baselineKey({ ...res, source: undefined }));
  // InfluxDB: tagged source=byo and counter=us-lap, with who submitted which image.
  await daemon.sink!.drain(10_000);
  const q = await influx.query(DB, `SELECT latency_us, latency_estimated, submitted_by, firmware_sha256 FROM results WHERE job_id = '${res.jobId}' GROUP BY "source", "counter"`);
  const s = q.results[0]!.series![0]!;
  assert.deepEqual(s.tags, { source: 'byo', counter: 'us-lap' });
  assert.deepEqual(s.values[0]!.slice(1), [res.metrics!.latencyUs, true, 'acme', img.sha256]);
});

test('images from clients not on the list, on the plain topic, or with a wrong sha256 / format are refused and queue nothing', { timeout: 60_000 }, async () => {
  const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(60)]);
  const before = readFirmwareAudit(dataDir).length;
  const jobsBefore = daemon.store.all().length;
  const cases: Array<[string, FlashRequest['firmware'], string | undefined, RegExp]> = [
    ['mallory', image(elf), 'mallory', /client "mallory" may not have its own firmware flashed/],
    ['plain topic', image(elf), undefined, /accepted only on tinyrack\/requests\/firmware/],
    ['sha256', image(elf, { sha256: 'a'.repeat(64) }), 'acme', /sha256 says a{64} but the image's sha256 is/],
    ['not elf', image(Buffer.alloc(64, 1)), 'acme', /not an ELF file/],
  ];
  for (const [what, fw, client, why] of cases) {
    const r = await flash(broker.url, { ...request(fw), requestId: randomUUID() }, { timeoutMs: 10_000, ...(client ? { firmwareClient: client } : {}) });
    assert.match(r.rejected ?? '(accepted)', why, what);
  }
  assert.equal(readFirmwareAudit(dataDir).length, before);
  assert.equal(daemon.store.all().length, jobsBefore);
});

test('an on-device validation job: tinyrack builds the protocol firmware once and every golden sample runs through it', { timeout: 300_000 }, async () => {
  const r = await flash(broker.url, {
    model: { name: 'toycar' }, board: { kind: 'qemu-mps2-an386' }, backend: 'aot', tiling: 'none', reps: 1,
    protocol: 'mlperf-tiny', validateAllSamples: true,
  }, { timeoutMs: 240_000 });
  assert.equal(r.rejected, undefined, r.rejected);
  const res = r.result!;
  assert.equal(res.ok, true, res.error);
  assert.equal(res.source, 'tinyrack');
  assert.equal(res.protocol, 'mlperf-tiny');
  assert.deepEqual(res.validation, { samples: 10, agreed: 10 });
  // tinyrack's own firmware reports its exact count, labelled as QEMU instructions.
  assert.equal(res.metrics?.counter, 'instructions');
  assert.equal(res.metrics?.latencyEstimated, true);
  assert.equal(res.metrics?.outputsMatch, true);
  assert.equal(res.submittedBy, undefined);
  // validateAllSamples without the protocol that carries inputs is refused.
  const bad = await flash(broker.url, { model: { name: 'toycar' }, board: { kind: 'qemu-mps2-an386' }, backend: 'aot', tiling: 'none', reps: 1, validateAllSamples: true }, { timeoutMs: 10_000 });
  assert.match(bad.rejected ?? '(accepted)', /validateAllSamples needs protocol mlperf-tiny/);
});
