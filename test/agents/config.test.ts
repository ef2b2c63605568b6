import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRackConfig, parseRackConfig, RackConfigError } from '../../agents/config/rack-config.ts';

const problemsOf = (text: string): string[] => {
  try {
    parseRackConfig(text, 'rack.yaml');
  } catch (e) {
    assert.ok(e instanceof RackConfigError);
    return e.problems;
  }
  assert.fail('expected a RackConfigError');
};

test('the shipped example rack files are valid', () => {
  const v = loadRackConfig('provisioning/examples/virtual-rack.yaml');
  assert.equal(v.agentId, 'virtual-rack');
  assert.deepEqual(v.virtual.map((x) => x.kind), ['qemu-mps2-an386', 'qemu-stm32f405', 'qemu-sifive-e', 'qemu-riscv32-virt']);
  const p = loadRackConfig('provisioning/examples/physical-rack.yaml');
  assert.equal(p.boards.length, 3);
  assert.deepEqual(p.boards[0]!.power, { kind: 'uhubctl', hub: '1-1', port: 2 });
  assert.deepEqual(p.boards[0]!.probe, { kind: 'ppk2', serialNumber: 'C4F1A2B3D5E6', port: undefined, voltageMv: 3300 });
  assert.equal(p.broker.passwordFile, '/etc/tinyrack/broker.pass');
  assert.equal(p.broker.tls?.ca, '/etc/tinyrack/lab-ca.pem');
  assert.equal(p.broker.tls?.rejectUnauthorized, true);
  assert.equal(p.health.quarantineAfter, 3);
});

test('defaults fill what a minimal rack file leaves out; relative paths resolve against the file', () => {
  const c = parseRackConfig('agentId: r1\nbroker:\n  url: mqtt://h:1883\n', '/lab/etc/rack.yaml');
  assert.equal(c.workDir, '/lab/etc/.tinyrack-agent');
  assert.deepEqual(c.boards, []);
  assert.equal(c.health.retries, 1);
  assert.equal(c.discoveryIntervalMs, 5000);
});

test('each mistake is reported with its line and field', () => {
  const problems = problemsOf([
    'agentId: "bad id"',          // 1
    'broker:',                    // 2
    '  url: http://x',            // 3
    'boards:',                    // 4
    '  - id: a',                  // 5
    '    kind: nucleo-f446re',    // 6
    '    power: { kind: uhubctl, hub: x, port: 99 }', // 7
    '  - id: a',                  // 8
    '    kind: nucleo-f446re',    // 9
    '    port: /dev/ttyACM0',     // 10
    'health:',                    // 11
    '  retries: -1',              // 12
    '  bogus: 1',                 // 13
  ].join('\n'));
  assert.deepEqual(problems, [
    'rack.yaml:1: agentId "bad id" is not valid (must match /^[A-Za-z0-9_.-]{1,64}$/)',
    'rack.yaml:3: broker.url "http://x" is not valid (expected mqtt://host:port or mqtts://host:port)',
    'rack.yaml:5: boards[0] needs serialNumber (USB serial of its probe) or port (console device) to be found',
    'rack.yaml:7: boards[0].power.hub "x" is not valid (expected a uhubctl location such as 1-1.4)',
    'rack.yaml:7: boards[0].power.port must be an integer from 1 to 32 (got 99)',
    'rack.yaml:8: boards[1].id duplicate board id "a"',
    'rack.yaml:12: health.retries must be an integer from 0 to 10 (got -1)',
    'rack.yaml:13: unknown field health.bogus (known: retries, backoffMs, backoffFactor, quarantineAfter, smokeModel, buildTimeoutS, flashTimeoutS, runTimeoutS, sampleIntervalS)',
  ]);
});

test('health.sampleIntervalS: 60 s by default; a bad value names its line and field', () => {
  const ok = 'agentId: r1\nbroker:\n  url: mqtt://h:1883\n';
  assert.equal(parseRackConfig(ok, 'rack.yaml').health.sampleIntervalS, 60);
  assert.equal(parseRackConfig(`${ok}health:\n  sampleIntervalS: 2.5\n`, 'rack.yaml').health.sampleIntervalS, 2.5);
  assert.deepEqual(problemsOf(`${ok}health:\n  retries: 1\n  sampleIntervalS: 0\n`), [
    'rack.yaml:6: health.sampleIntervalS must be a number from 1 to 86400 (got 0)',
  ]);
  assert.deepEqual(problemsOf(`${ok}health:\n  sampleIntervalS: often\n`), [
    'rack.yaml:5: health.sampleIntervalS must be a number from 1 to 86400 (got "often")',
  ]);
});

test('missing required fields, both password forms, half a client certificate', () => {
  const problems = problemsOf('broker:\n  password: x\n  passwordFile: /p\n  tls:\n    cert: /c.pem\n');
  assert.deepEqual(problems, [
    'rack.yaml:1: agentId is required',
    'rack.yaml:2: broker.url is required',
    'rack.yaml:3: broker.passwordFile and broker.password are both given: use one',
    'rack.yaml:5: broker.tls cert and key must be given together',
  ]);
});

test('YAML syntax errors name the line', () => {
  const problems = problemsOf('agentId: r1\nbroker:\n  url: [mqtt://x\n');
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /^rack\.yaml:\d+: YAML syntax error: /);
});

test('an unreadable rack file is a clear error', () => {
  assert.throws(() => loadRackConfig('/nonexistent/rack.yaml'), /cannot read rack config \/nonexistent\/rack\.yaml/);
});
