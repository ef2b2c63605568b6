// The agent's registries are folders: a flasher is one file in agents/drivers/flashers/, a power
// probe one file in agents/power/, a board one file in boards/defs/. Nothing else lists them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listBoards } from '../../boards/index.ts';
import { boardDefinitions } from '../../agents/boards.ts';
import { flasherFor, flasherKinds } from '../../agents/drivers/flashers/registry.ts';
import { openocdResetArgs } from '../../agents/drivers/flashers/openocd.ts';
import { probeKindFor, probeKinds } from '../../agents/power/registry.ts';
import { parseRackConfig, RackConfigError } from '../../agents/config/rack-config.ts';

test('every board definition names a flasher that has a driver; the agent knows exactly the registry\'s boards', async () => {
  const boards = await listBoards();
  for (const b of boards) assert.equal(flasherFor(b.flasher.tool).kind, b.flasher.tool, b.id);
  assert.deepEqual([...(await boardDefinitions()).keys()].sort(), boards.map((b) => b.id).sort());
  assert.deepEqual(flasherKinds().sort(), ['dfu-util', 'esptool', 'host', 'jlink', 'openocd', 'qemu', 'st-flash']);
});

test('a flasher declares its reset: OpenOCD and st-flash by their tool, esptool by the console\'s RTS, dfu-util cannot', async () => {
  assert.deepEqual(['openocd', 'st-flash', 'esptool', 'dfu-util', 'jlink'].map((k) => typeof flasherFor(k).reset), ['function', 'function', 'function', 'undefined', 'undefined']);
  const target = { boardId: 'l4-a', kind: 'nucleo-l4r5zi', flashOrigin: 0x08000000, serialNumber: 'S1', flasher: { tool: 'openocd', args: ['-f', 'interface/stlink.cfg', '-f', 'target/stm32l4x.cfg'] } };
  assert.deepEqual(openocdResetArgs(target), ['-f', 'interface/stlink.cfg', '-c', 'adapter serial S1', '-f', 'target/stm32l4x.cfg', '-c', 'init', '-c', 'reset run', '-c', 'shutdown']);
  let rts = 0;
  await flasherFor('esptool').reset!({ ...target, flasher: { tool: 'esptool', args: [] } }, { timeoutMs: 1000, console: { resetByRts: async () => { rts++; } } });
  assert.equal(rts, 1);
});

test('the rack file\'s probe.kind picks a power-probe driver; an unknown kind is refused with the known ones', () => {
  assert.deepEqual(probeKinds(), ['ppk2']);
  assert.equal(probeKindFor('ppk2').kind, 'ppk2');
  assert.throws(() => probeKindFor('joulescope'), /no power probe driver "joulescope" \(have: ppk2\)/);
  const rack = (kind: string) => ['agentId: r1', 'broker:', '  url: mqtt://h:1883', 'boards:', '  - id: b1', '    kind: nucleo-f446re', '    port: /dev/ttyACM0',
    '    probe:', `      kind: ${kind}`, '      port: /dev/ttyACM1', ''].join('\n');
  assert.equal(parseRackConfig(rack('ppk2'), 'rack.yaml').boards[0]!.probe!.kind, 'ppk2');
  assert.throws(() => parseRackConfig(rack('joulescope'), 'rack.yaml'), (e: unknown) => e instanceof RackConfigError && e.problems.some((p) => /probe\.kind/.test(p) && /ppk2/.test(p)));
});
