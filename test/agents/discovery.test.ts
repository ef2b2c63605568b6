import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadRackConfig } from '../../agents/config/rack-config.ts';
import { boardDefinitions } from '../../agents/boards.ts';
import { matchBoards } from '../../agents/discovery/match.ts';
import { recordedEnumerator, type SerialPortInfo, type UsbDeviceInfo, type Enumerator } from '../../agents/discovery/enumerate.ts';
import { DiscoveryWatcher, type DiscoveryChange } from '../../agents/discovery/watcher.ts';

type Recorded = { usb: UsbDeviceInfo[]; serial: SerialPortInfo[] };
const fixture = (name: string): Recorded => JSON.parse(readFileSync(`test/agents/fixtures/${name}.json`, 'utf8'));
const rack = loadRackConfig('provisioning/examples/physical-rack.yaml');
const ppk2Serials = ['C4F1A2B3D5E6'];

test('recorded lab machine: every configured board matched to its probe and console port', async () => {
  const f = fixture('lab-rack-1');
  const r = matchBoards(rack.boards, await boardDefinitions(), f.usb, f.serial, ppk2Serials);
  assert.deepEqual(r.matched.map((m) => [m.boardId, m.port, m.serialNumber, m.usb?.location]), [
    ['f446-a', '/dev/ttyACM0', '066DFF485550755187121826', '1-1.2'],
    ['f446-b', '/dev/ttyACM1', '0670FF535155878281152432', '1-1.3'],
    ['c3-a', '/dev/ttyACM2', '84:F7:03:12:34:56', '1-1.4'],
  ]);
  assert.deepEqual(r.missing, []);
  // f446-a's PPK2 is found by its serial number.
  assert.deepEqual(r.matched.map((m) => m.probePort), ['/dev/ttyACM3', undefined, undefined]);
  // The CH340 is a USB-serial bridge nobody configured; hubs, keyboard and the claimed PPK2 are not reported.
  assert.deepEqual(r.unknown, [{ vid: '1a86', pid: '7523', name: 'WCH CH340', serialNumber: undefined, location: '1-3', port: '/dev/ttyUSB0' }]);
});

test('a board that is unplugged is reported missing with the reason', async () => {
  const f = fixture('lab-rack-1-unplugged');
  const r = matchBoards(rack.boards, await boardDefinitions(), f.usb, f.serial, ppk2Serials);
  assert.deepEqual(r.matched.map((m) => m.boardId), ['f446-a', 'c3-a']);
  assert.deepEqual(r.missing, [{ boardId: 'f446-b', kind: 'nucleo-f446re', reason: 'no USB device with serial 0670FF535155878281152432' }]);
});

test('another machine: nothing configured is there, every probe is unknown', async () => {
  const f = fixture('bench-jlink-ftdi');
  const r = matchBoards(rack.boards, await boardDefinitions(), f.usb, f.serial);
  assert.equal(r.matched.length, 0);
  assert.deepEqual(r.missing.map((m) => m.boardId), ['f446-a', 'f446-b', 'c3-a']);
  assert.deepEqual(r.unknown.map((u) => `${u.vid}:${u.pid} ${u.name} ${u.port}`), [
    '1366:0105 SEGGER J-Link /dev/ttyACM0', '0403:6001 FTDI FT232R /dev/ttyUSB0', '0483:374e ST Link V3 /dev/ttyACM1'.replace('ST Link', 'ST-Link'),
  ]);
});

test('a serial number on the wrong kind of probe is not taken for the board', async () => {
  const f = fixture('lab-rack-1');
  const boards = [{ id: 'x', kind: 'nucleo-f446re', serialNumber: '84:F7:03:12:34:56' }];
  const r = matchBoards(boards, await boardDefinitions(), f.usb, f.serial);
  assert.deepEqual(r.missing, [{ boardId: 'x', kind: 'nucleo-f446re', reason: 'USB serial 84:F7:03:12:34:56 is a 303a:1001, not a nucleo-f446re probe' }]);
});

test('a board configured by port only is found by its port', async () => {
  const f = fixture('lab-rack-1');
  const r = matchBoards([{ id: 'ch', kind: 'esp32-c3-devkitm-1', port: '/dev/ttyUSB0' }], await boardDefinitions(), f.usb, f.serial);
  assert.equal(r.matched[0]?.port, '/dev/ttyUSB0');
  assert.equal(r.matched[0]?.usb?.location, '1-3');
  assert.deepEqual(r.unknown.map((u) => u.port).includes('/dev/ttyUSB0'), false);
});

test('hot-plug: the watcher reports a board leaving and coming back', async () => {
  const lists = [fixture('lab-rack-1'), fixture('lab-rack-1-unplugged'), fixture('lab-rack-1')];
  let i = 0;
  const en: Enumerator = { usbDevices: async () => lists[i]!.usb, serialPorts: async () => lists[i]!.serial };
  const w = new DiscoveryWatcher(en, rack.boards, await boardDefinitions(), ppk2Serials);
  const changes: Array<Pick<DiscoveryChange, 'attached' | 'detached'>> = [];
  w.on('change', (c) => changes.push({ attached: c.attached, detached: c.detached }));
  await w.scan(); i = 1; await w.scan(); await w.scan(); i = 2; await w.scan();
  assert.deepEqual(changes, [
    { attached: ['f446-a', 'f446-b', 'c3-a'], detached: [] },
    { attached: [], detached: ['f446-b'] },
    { attached: ['f446-b'], detached: [] },
  ]);
  assert.equal(w.isPresent('f446-b'), true);
});

test('recordedEnumerator replays a list', async () => {
  const f = fixture('bench-jlink-ftdi');
  const en = recordedEnumerator(f);
  assert.equal((await en.usbDevices()).length, 3);
  assert.equal((await en.serialPorts())[1]!.path, '/dev/ttyUSB0');
});
