// Builds a board's clock and UART code for the host against a chip's register model
// (sim.c + <chip>.c, see sim.h) and runs it: the register writes in order, what the firmware
// reports about its clock, the clock the model's registers really select, and the final
// register values.
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOARDS_DIR } from '../../../boards/index.ts';
import type { BoardDefinition } from '../../../boards/types.ts';

const SIM_DIR = dirname(fileURLToPath(import.meta.url));
const HARNESS_DIR = join(SIM_DIR, '..', '..', '..', 'firmware', 'harness');

export interface SimWrite { addr: number; value: number }
export interface SimRun {
  writes: SimWrite[];
  clock: { hz: number; hzTarget: number; source: string; fault: string; osc: string; ref: string; uartHz: number };
  /** The core clock the model's registers select at the end, Hz. */
  trueCoreHz: number;
  /** Final value of every register touched. */
  reg(addr: number): number;
  runaway: boolean;
}

const dir = mkdtempSync(join(tmpdir(), 'tr-clock-sim-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

export type SimRunner = (fail?: string[], o?: { accessCycles?: number }) => Promise<SimRun>;

/** Compiles the board's clock-*.c and uart.c with the chip model; returns a runner. fail names
 * the parts of the model that never come up; accessCycles coarsens simulated time (runs that
 * wait out a seconds-long time-out). */
export async function buildClockSim(board: BoardDefinition, chip: string): Promise<SimRunner> {
  const sources = board.sources.filter((s) => /\/(clock-[^/]*|uart)\.c$/.test(s)).map((s) => join(BOARDS_DIR, s));
  const defines = { TR_CLOCK_HZ: `${board.clockHz}u`, TR_BAUD: `${board.serial.baud}u`, TR_BOARD_ID: `"${board.id}"`, ...board.defines };
  const exe = join(dir, `${board.id}-${chip}`);
  await execa('gcc', ['-O1', '-std=gnu11', '-Wall', '-Wno-comment', '-Wno-int-to-pointer-cast', '-DTR_MMIO_TRACE',
    ...Object.entries(defines).map(([k, v]) => (v === '' ? `-D${k}` : `-D${k}=${v}`)),
    '-I', HARNESS_DIR, '-I', SIM_DIR, join(SIM_DIR, 'sim.c'), join(SIM_DIR, `${chip}.c`), ...sources, '-o', exe]);
  return async (fail: string[] = [], o: { accessCycles?: number } = {}) => {
    const r = await execa(exe, [], { env: { SIM_FAIL: fail.join(','), SIM_ACCESS_CYCLES: String(o.accessCycles ?? 4) }, reject: false, timeout: 120_000 });
    const writes: SimWrite[] = [];
    const regs = new Map<number, number>();
    let clock: SimRun['clock'] | undefined;
    let trueCoreHz = NaN;
    for (const line of r.stdout.split('\n')) {
      const [kind, a, b] = line.split(' ');
      if (kind === 'W') writes.push({ addr: parseInt(a!, 16), value: parseInt(b!, 16) });
      else if (kind === 'REG') regs.set(parseInt(a!, 16), parseInt(b!, 16));
      else if (kind === 'TRUE') trueCoreHz = Number(a!.split('=')[1]);
      else if (kind === 'CLOCK') {
        const f = Object.fromEntries(line.split(' ').slice(1).map((kv) => kv.split('=') as [string, string]));
        clock = { hz: Number(f.hz), hzTarget: Number(f.hz_target), source: f.source!, fault: f.fault!, osc: f.osc!, ref: f.ref!, uartHz: Number(f.uart_hz) };
      }
    }
    const runaway = r.stdout.includes('RUNAWAY');
    if (!clock && !runaway) throw new Error(`clock model run failed (exit ${r.exitCode}): ${r.stderr || r.stdout.slice(-500)}`);
    return { writes, clock: clock!, trueCoreHz, reg: (addr) => regs.get(addr) ?? NaN, runaway };
  };
}

/** Register state just before each write, for rules about order ("wait states set before the
 * switch"): calls visit(write, stateBefore) for every write in order. */
export function replay(writes: readonly SimWrite[], reset: (addr: number) => number,
  visit: (w: SimWrite, before: (addr: number) => number) => void): void {
  const state = new Map<number, number>();
  const get = (a: number) => state.get(a) ?? reset(a);
  for (const w of writes) {
    visit(w, get);
    state.set(w.addr, w.value >>> 0);
  }
}
