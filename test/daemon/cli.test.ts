// The command-line clients against a running daemon: `tinyrack request` prints the result (and
// exits 1 with the reason when rejected), `tinyrack suite run` waits for the run, `tinyrack suite
// list` reads the lab config, `tinyrack daemon` refuses a broken config with file and line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SimAgent } from '../../daemon/sim/sim-agent.ts';
import type { Daemon } from '../../daemon/daemon.ts';
import type { JobResult } from '../../wire/mqtt.ts';
import { startMosquitto, type TestBroker as TestMosquitto } from '../../tools/mosquitto.ts';
import { labConfig, startDaemon, tempDir, waitFor } from './support.ts';

const REPO = resolve(import.meta.dirname, '..', '..');
let mq: TestMosquitto;
let daemon: Daemon;
let agent: SimAgent;

function tinyrack(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(REPO, 'bin/tinyrack.mjs'), ...args], { cwd: REPO });
  let stdout = ''; let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((r) => child.on('close', (code) => r({ code: code ?? -1, stdout, stderr })));
}

before(async () => {
  mq = await startMosquitto();
  daemon = await startDaemon({ config: labConfig('suites:\n  tiny:\n    models: [sine_model, toycar]\n    boards: [qemu-mps2-an386]\n    reps: 1\n'), brokerUrl: mq.url, influx: null, clientId: 'd-cli' });
  agent = new SimAgent({ brokerUrl: mq.url, agentId: 'cli-rack', boards: [{ boardId: 'cli-0', kind: 'qemu-mps2-an386' }] });
  await agent.start();
  await waitFor('cli-rack online', () => daemon.registry.agent('cli-rack')?.online);
});
after(async () => { await agent?.stop(); await daemon?.stop(); await mq?.dispose(); });

test('tinyrack request --json prints the agent\'s result; a rejection exits 1 with the reason', async () => {
  const ok = await tinyrack('request', '--model', 'aww', '--board-kind', 'qemu-mps2-an386', '--tiling', 'fdt', '--reps', '2', '--broker', mq.url, '--json', '--timeout', '30');
  assert.equal(ok.code, 0, ok.stderr);
  const r = JSON.parse(ok.stdout) as JobResult;
  assert.deepEqual(r, agent.results.find((x) => x.jobId === r.jobId));
  assert.equal(r.tiling, 'fdt');
  const text = await tinyrack('request', '--model', 'toycar', '--board', 'cli-0', '--broker', mq.url, '--timeout', '30');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^instructions\s+\d+ \(median of 3\)$/m);
  const bad = await tinyrack('request', '--model', 'aww', '--board-kind', 'esp99', '--broker', mq.url, '--timeout', '30');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /tinyrack: request rejected: unknown board kind "esp99"/);
  const usage = await tinyrack('request', '--model', 'aww', '--broker', mq.url);
  assert.equal(usage.code, 1);
  assert.match(usage.stderr, /give exactly one of --board-kind or --board/);
});

test('tinyrack request --arithmetic: asks for it, prints it; a bad mode or xnnpack with tflm exits 1 before sending', async () => {
  const xnn = await tinyrack('request', '--model', 'aww', '--board-kind', 'qemu-mps2-an386', '--arithmetic', 'xnnpack', '--broker', mq.url, '--timeout', '30');
  assert.equal(xnn.code, 0, xnn.stderr);
  assert.match(xnn.stdout, /^model\s+aww aot\/none\/xnnpack$/m);
  const sent = agent.received.at(-1)!;
  assert.deepEqual([sent.model.name, sent.arithmetic], ['aww', 'xnnpack']);
  const received = agent.received.length;
  const bad = await tinyrack('request', '--model', 'aww', '--board-kind', 'qemu-mps2-an386', '--arithmetic', 'float', '--broker', mq.url);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--arithmetic must be one of reference\|xnnpack, got "float"/);
  const tflm = await tinyrack('request', '--model', 'aww', '--board-kind', 'qemu-mps2-an386', '--backend', 'tflm', '--arithmetic', 'xnnpack', '--broker', mq.url);
  assert.equal(tflm.code, 1);
  assert.match(tflm.stderr, /--arithmetic xnnpack needs --backend aot/);
  assert.equal(agent.received.length, received, 'nothing was sent');
});

test('tinyrack suite run waits for the run; suite list and a broken config', async () => {
  const run = await tinyrack('suite', 'run', 'tiny', '--broker', mq.url, '--timeout', '30');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /run tiny-\S+: 2 done, 0 failed/);
  const dir = tempDir();
  const cfg = join(dir, 'lab.yaml');
  writeFileSync(cfg, 'suites:\n  a:\n    models: [aww]\n    boards: [qemu-mps2-an386]\n    tilings: [none, fdt]\n  b:\n    models: [aww]\n    boards: [qemu-mps2-an386]\n    arithmetics: [reference, xnnpack]\n');
  const list = await tinyrack('suite', 'list', '--config', cfg, '--json');
  assert.equal(list.code, 0, list.stderr);
  assert.equal(JSON.parse(list.stdout)[0].jobs, 2);
  assert.deepEqual(JSON.parse(list.stdout)[0].arithmetics, ['reference']);
  assert.deepEqual([JSON.parse(list.stdout)[1].jobs, JSON.parse(list.stdout)[1].arithmetics], [2, ['reference', 'xnnpack']]);
  writeFileSync(cfg, 'daemon:\n  jobs:\n    maxAttempts: many\n');
  const broken = await tinyrack('daemon', '--config', cfg);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /lab\.yaml:3: daemon\.jobs\.maxAttempts must be an integer/);
});
