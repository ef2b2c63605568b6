// The physical boards' clock set-up, checked on this machine: each board's clock and UART C
// code runs against a register model of its chip (test/boards/mmio-sim), and the writes it
// makes are checked against the reference manual's tables and ordering rules, in the normal
// case and with each oscillator, PLL or regulator step failing (the code must fall back,
// say so, and keep a console at 115200 baud ± 2 %). The tables below are transcribed from the
// manuals independently of the board code's own tables.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { getBoard } from '../../boards/index.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import { buildClockSim, replay, type SimRun, type SimRunner } from './mmio-sim/run-sim.ts';

const BAUD = 115200;
const BAUD_TOLERANCE = 0.02;

function assertBaud(actual: number, what: string): void {
  assert.ok(Math.abs(actual / BAUD - 1) <= BAUD_TOLERANCE, `${what}: ${actual.toFixed(0)} baud is not ${BAUD} ± 2 %`);
}
function assertNear(actual: number, expected: number, ppm: number, what: string): void {
  assert.ok(Math.abs(actual / expected - 1) <= ppm * 1e-6, `${what}: ${actual} is not ${expected} ± ${ppm} ppm`);
}
const bits = (v: number, lo: number, n: number) => (v >>> lo) & ((1 << n) - 1);
/** Smallest wait-state count whose HCLK ceiling (MHz) covers hz. */
const waitStatesFor = (table: readonly number[], hz: number) => table.findIndex((max) => hz <= max * 1e6);

// ---------------------------------------------------------------------------------------------
// STM32F446 (RM0390 rev 6)
const F4 = {
  RCC_CR: 0x40023800, RCC_PLLCFGR: 0x40023804, RCC_CFGR: 0x40023808, PWR_CR: 0x40007000,
  FLASH_ACR: 0x40023c00, USART2_BRR: 0x40004408,
};
/** §3.4.1 Table 5 (VDD 2.7..3.6 V): HCLK ceiling in MHz for 0, 1, ... 5 wait states. */
const F446_WAIT_STATES_MHZ = [30, 60, 90, 120, 150, 180];
/** §6.3.2 / §6.2.3: PLL limits. */
const F446_PLL = { m: [2, 63], n: [50, 432], vcoIn: [1e6, 2e6], vcoOut: [100e6, 432e6], pMax: 180e6, qMax: 48e6, r: [2, 7] } as const;
/** §5.1.4: HCLK above 168 MHz needs over-drive; §6.3.3: APB1 ≤ 45 MHz, APB2 ≤ 90 MHz. */
const F446_OVERDRIVE_ABOVE = 168e6;
const F446_APB1_MAX = 45e6;
const F446_APB2_MAX = 90e6;
const apbDiv = (code: number) => (code < 4 ? 1 : 2 << (code - 4));
const ahbDiv = (code: number) => (code < 8 ? 1 : [2, 4, 8, 16, 64, 128, 256, 512][code - 8]!);

function f446Pll(v: number) {
  const m = bits(v, 0, 6), n = bits(v, 6, 9), p = 2 * (bits(v, 16, 2) + 1), q = bits(v, 24, 4), r = bits(v, 28, 3);
  const inHz = bits(v, 22, 1) ? 8e6 : 16e6;
  const vcoIn = inHz / m;
  return { m, n, p, q, r, src: bits(v, 22, 1) ? 'hse' : 'hsi', vcoIn, vco: vcoIn * n, sys: (vcoIn * n) / p, q48: (vcoIn * n) / q };
}

describe('nucleo-f446re clock set-up (RM0390)', () => {
  let board: BoardDefinition;
  let run: SimRunner;
  before(async () => {
    board = await getBoard('nucleo-f446re');
    run = await buildClockSim(board, 'stm32f446');
  });

  function checkSequence(r: SimRun): void {
    const reset = (a: number) => ({ [F4.RCC_CR]: 0x83, [F4.RCC_PLLCFGR]: 0x24003010, [F4.PWR_CR]: 0xc000 } as Record<number, number>)[a] ?? 0;
    let switched = 0;
    replay(r.writes, reset, (w, before) => {
      const pllOn = bits(before(F4.RCC_CR), 24, 1);
      if (w.addr === F4.RCC_PLLCFGR) assert.equal(pllOn, 0, '§6.3.2: PLLCFGR written only while the PLL is off');
      if (w.addr === F4.PWR_CR && bits(w.value, 14, 2) !== bits(before(F4.PWR_CR), 14, 2)) assert.equal(pllOn, 0, '§5.4.1: VOS changed only with the PLL off');
      if (w.addr === F4.RCC_CR && bits(w.value, 18, 1) !== bits(before(F4.RCC_CR), 18, 1)) assert.equal(bits(before(F4.RCC_CR), 16, 1), 0, '§6.3.1: HSEBYP written only with HSE off');
      if (w.addr === F4.RCC_CFGR && bits(w.value, 0, 2) === 2 && bits(before(F4.RCC_CFGR), 0, 2) !== 2) {
        switched++;
        const pll = f446Pll(before(F4.RCC_PLLCFGR));
        const hclk = pll.sys / ahbDiv(bits(w.value, 4, 4));
        const acr = before(F4.FLASH_ACR);
        assert.ok(bits(acr, 0, 4) >= waitStatesFor(F446_WAIT_STATES_MHZ, hclk), `§3.4.1: ${bits(acr, 0, 4)} wait states set before switching to ${hclk} Hz`);
        assert.deepEqual([bits(acr, 8, 1), bits(acr, 9, 1), bits(acr, 10, 1)], [1, 1, 1], '§3.4.2: ART prefetch, I-cache and D-cache on');
        assert.ok(hclk / apbDiv(bits(w.value, 10, 3)) <= F446_APB1_MAX, 'APB1 ≤ 45 MHz');
        assert.ok(hclk / apbDiv(bits(w.value, 13, 3)) <= F446_APB2_MAX, 'APB2 ≤ 90 MHz');
        const pwr = before(F4.PWR_CR);
        assert.equal(bits(pwr, 14, 2), 3, '§5.1.4: regulator scale 1 before the switch');
        if (hclk > F446_OVERDRIVE_ABOVE) assert.deepEqual([bits(pwr, 16, 1), bits(pwr, 17, 1)], [1, 1], '§5.1.4: over-drive on and switched in before the switch');
      }
    });
    if (r.clock.fault === 'none') assert.equal(switched, 1, 'SYSCLK switched to the PLL once');
  }

  function checkPll(v: number, src: 'hse' | 'hsi'): void {
    const pll = f446Pll(v);
    assert.equal(pll.src, src);
    assert.ok(pll.m >= F446_PLL.m[0] && pll.m <= F446_PLL.m[1], `PLLM ${pll.m}`);
    assert.ok(pll.n >= F446_PLL.n[0] && pll.n <= F446_PLL.n[1], `PLLN ${pll.n}`);
    assert.ok(pll.vcoIn >= F446_PLL.vcoIn[0] && pll.vcoIn <= F446_PLL.vcoIn[1], `VCO input ${pll.vcoIn}`);
    assert.ok(pll.vco >= F446_PLL.vcoOut[0] && pll.vco <= F446_PLL.vcoOut[1], `VCO ${pll.vco}`);
    assert.ok(pll.sys <= F446_PLL.pMax && pll.q48 <= F446_PLL.qMax, `PLLP ${pll.sys}, PLLQ ${pll.q48}`);
    assert.ok(pll.r >= F446_PLL.r[0] && pll.r <= F446_PLL.r[1], `PLLR ${pll.r}`);
    assert.equal(pll.sys, board.clockHz, 'the PLL gives the board definition\'s clock');
  }

  function checkConsole(r: SimRun, pclk1: number): void {
    assert.equal(r.clock.uartHz, pclk1, 'the divisor is computed from the USART\'s real kernel clock');
    assertBaud(pclk1 / r.reg(F4.USART2_BRR), 'USART2');
  }

  it('180 MHz from the ST-LINK MCO: PLL, scale 1 + over-drive, 5 wait states, ART, buses; measured against the LSE', async () => {
    const r = await run();
    assert.equal(board.clockHz, 180_000_000);
    checkSequence(r);
    checkPll(r.reg(F4.RCC_PLLCFGR), 'hse');
    assert.equal(bits(r.reg(F4.FLASH_ACR), 0, 4), 5);
    assert.equal(r.trueCoreHz, 180e6, 'the registers select 180 MHz');
    assert.deepEqual([r.clock.source, r.clock.fault, r.clock.osc, r.clock.ref, r.clock.hzTarget], ['measured', 'none', 'hse_bypass_pll', 'lse', 180e6]);
    assertNear(r.clock.hz, r.trueCoreHz, 10, 'measured clock');
    checkConsole(r, 45e6);
  });

  it('without the MCO the PLL runs from HSI (M = 8), still 180 MHz', async () => {
    const r = await run(['hse']);
    checkSequence(r);
    checkPll(r.reg(F4.RCC_PLLCFGR), 'hsi');
    assert.deepEqual([r.clock.source, r.clock.fault, r.clock.osc], ['measured', 'none', 'hsi_pll']);
    assertNear(r.clock.hz, 180e6, 10, 'measured clock');
    checkConsole(r, 45e6);
  });

  for (const [fail, fault] of [['pll', 'pll_lock_timeout'], ['overdrive', 'overdrive_timeout']] as const) {
    it(`a ${fail} that does not come up: back on HSI 16 MHz at reset wait states, reported as ${fault}`, async () => {
      const r = await run([fail]);
      checkSequence(r);
      assert.equal(bits(r.reg(F4.RCC_CFGR), 0, 2), 0, 'SYSCLK = HSI');
      assert.equal(bits(r.reg(F4.FLASH_ACR), 0, 4), 0, '0 wait states at 16 MHz');
      assert.equal(bits(r.reg(F4.PWR_CR), 16, 2), 0, 'over-drive left');
      assert.equal(r.trueCoreHz, 16e6);
      assert.deepEqual([r.clock.source, r.clock.fault, r.clock.osc, r.clock.ref], ['measured', fault, 'hsi', 'lse']);
      assertNear(r.clock.hz, 16e6, 10, 'measured clock');
      checkConsole(r, 16e6);
    });
  }

  it('without an LSE crystal the clock is the configured one, and says so', async () => {
    const r = await run(['lse'], { accessCycles: 256 }); // waits out the 3 s crystal start-up
    assert.deepEqual([r.clock.source, r.clock.fault, r.clock.ref, r.clock.hz], ['configured', 'none', 'none', 180e6]);
    checkConsole(r, 45e6);
  });

  it('every wait is bounded: nothing comes up, the code still ends on HSI with a console', async () => {
    const r = await run(['hse', 'pll', 'overdrive', 'lse'], { accessCycles: 256 });
    assert.equal(r.runaway, false);
    assert.deepEqual([r.clock.source, r.clock.fault, r.clock.hz], ['configured', 'overdrive_timeout', 16e6]);
    checkConsole(r, 16e6);
  });
});

// ---------------------------------------------------------------------------------------------
// STM32L4R5 (RM0432 rev 9)
const L4 = {
  RCC_CR: 0x40021000, RCC_CFGR: 0x40021008, RCC_PLLCFGR: 0x4002100c, PWR_CR1: 0x40007000, PWR_CR5: 0x40007080,
  FLASH_ACR: 0x40022000, LPUART1_BRR: 0x4000800c,
};
/** §3.3.3 Table 12: HCLK ceiling in MHz for 0..5 wait states, range 1 boost (R1MODE = 0) and
 * range 1 normal (R1MODE = 1, at most 80 MHz). */
const L4R5_WAIT_STATES_BOOST_MHZ = [20, 40, 60, 80, 100, 120];
const L4R5_WAIT_STATES_NORMAL_MHZ = [20, 40, 60, 80];
/** §6.4.4: PLL limits (L4+: M 1..16, VCO input 2.66..16 MHz, VCO 64..344 MHz, R output ≤ 120). */
const L4R5_PLL = { m: [1, 16], n: [8, 127], vcoIn: [2.66e6, 16e6], vcoOut: [64e6, 344e6], rMax: 120e6 } as const;

function l4r5Pll(v: number) {
  const src = bits(v, 0, 2), m = bits(v, 4, 4) + 1, n = bits(v, 8, 7), r = 2 * (bits(v, 25, 2) + 1);
  const inHz = src === 3 ? 8e6 : src === 2 ? 16e6 : 4e6;
  const vcoIn = inHz / m;
  return { src: src === 3 ? 'hse' : src === 2 ? 'hsi' : 'msi', m, n, r, vcoIn, vco: vcoIn * n, sys: (vcoIn * n) / r, rEnabled: bits(v, 24, 1) };
}

describe('nucleo-l4r5zi clock set-up (RM0432)', () => {
  let board: BoardDefinition;
  let run: SimRunner;
  before(async () => {
    board = await getBoard('nucleo-l4r5zi');
    run = await buildClockSim(board, 'stm32l4r5');
  });

  function checkSequence(r: SimRun): void {
    const reset = (a: number) => ({ [L4.RCC_CR]: 0x63, [L4.RCC_PLLCFGR]: 0x1000, [L4.PWR_CR1]: 0x200, [L4.PWR_CR5]: 0x100 } as Record<number, number>)[a] ?? 0;
    let switched = 0;
    replay(r.writes, reset, (w, before) => {
      if (w.addr === L4.RCC_PLLCFGR) assert.equal(bits(before(L4.RCC_CR), 24, 1), 0, '§6.4.4: PLLCFGR written only while the PLL is off');
      if (w.addr === L4.RCC_CR && bits(w.value, 18, 1) !== bits(before(L4.RCC_CR), 18, 1)) assert.equal(bits(before(L4.RCC_CR), 16, 1), 0, 'HSEBYP written only with HSE off');
      if (w.addr === L4.RCC_CFGR && bits(w.value, 0, 2) === 3 && bits(before(L4.RCC_CFGR), 0, 2) !== 3) {
        switched++;
        const pll = l4r5Pll(before(L4.RCC_PLLCFGR));
        assert.equal(pll.rEnabled, 1, 'PLLREN: the R output drives SYSCLK');
        const boost = bits(before(L4.PWR_CR5), 8, 1) === 0;
        assert.equal(bits(before(L4.PWR_CR1), 9, 2), 1, '§5.1.5: voltage range 1');
        if (pll.sys > 80e6) {
          assert.ok(boost, '§6.1.8: above 80 MHz only in range 1 boost');
          assert.ok(ahbDiv(bits(w.value, 4, 4)) >= 2, '§6.1.8 step 1: AHB /2 while stepping into boost frequencies');
        }
        const acr = before(L4.FLASH_ACR);
        const table = boost ? L4R5_WAIT_STATES_BOOST_MHZ : L4R5_WAIT_STATES_NORMAL_MHZ;
        const need = waitStatesFor(table, pll.sys); // the final HCLK (AHB /1 after the step)
        assert.ok(need >= 0 && bits(acr, 0, 4) >= need, `§3.3.3: ${bits(acr, 0, 4)} wait states before switching towards ${pll.sys} Hz`);
        assert.deepEqual([bits(acr, 8, 1), bits(acr, 9, 1), bits(acr, 10, 1)], [1, 1, 1], '§3.3.4: prefetch, I-cache and D-cache on');
      }
    });
    if (r.clock.fault === 'none') assert.equal(switched, 1, 'SYSCLK switched to the PLL once');
  }

  function checkPll(v: number, src: 'hse' | 'hsi'): void {
    const pll = l4r5Pll(v);
    assert.equal(pll.src, src);
    assert.ok(pll.m >= L4R5_PLL.m[0] && pll.m <= L4R5_PLL.m[1], `PLLM ${pll.m}`);
    assert.ok(pll.n >= L4R5_PLL.n[0] && pll.n <= L4R5_PLL.n[1], `PLLN ${pll.n}`);
    assert.ok(pll.vcoIn >= L4R5_PLL.vcoIn[0] && pll.vcoIn <= L4R5_PLL.vcoIn[1], `VCO input ${pll.vcoIn}`);
    assert.ok(pll.vco >= L4R5_PLL.vcoOut[0] && pll.vco <= L4R5_PLL.vcoOut[1], `VCO ${pll.vco}`);
    assert.ok(pll.sys <= L4R5_PLL.rMax, `PLLR ${pll.sys}`);
    assert.equal(pll.sys, board.clockHz, 'the PLL gives the board definition\'s clock');
  }

  function checkConsole(r: SimRun, pclk1: number): void {
    assert.equal(r.clock.uartHz, pclk1);
    const brr = r.reg(L4.LPUART1_BRR);
    assert.ok(brr >= 0x300 && brr <= 0xfffff, `§52.4.7: LPUART BRR ${brr} in 0x300..0xFFFFF`);
    assertBaud((256 * pclk1) / brr, 'LPUART1');
  }

  it('120 MHz: range 1 boost, AHB /2 step, 5 wait states, caches, PLL R; measured against the LSE', async () => {
    const r = await run();
    assert.equal(board.clockHz, 120_000_000);
    checkSequence(r);
    checkPll(r.reg(L4.RCC_PLLCFGR), 'hse');
    assert.equal(bits(r.reg(L4.FLASH_ACR), 0, 4), 5);
    assert.equal(bits(r.reg(L4.PWR_CR5), 8, 1), 0, 'boost at the end');
    assert.equal(bits(r.reg(L4.RCC_CFGR), 4, 4), 0, 'AHB back to /1 (§6.1.8 step 5)');
    assert.equal(r.trueCoreHz, 120e6);
    assert.deepEqual([r.clock.source, r.clock.fault, r.clock.osc, r.clock.ref, r.clock.hzTarget], ['measured', 'none', 'hse_bypass_pll', 'lse', 120e6]);
    assertNear(r.clock.hz, 120e6, 10, 'measured clock');
    checkConsole(r, 120e6);
  });

  it('without the MCO the PLL runs from HSI16 (M = 2), still 120 MHz', async () => {
    const r = await run(['hse']);
    checkSequence(r);
    checkPll(r.reg(L4.RCC_PLLCFGR), 'hsi');
    assert.deepEqual([r.clock.source, r.clock.fault, r.clock.osc], ['measured', 'none', 'hsi_pll']);
    checkConsole(r, 120e6);
  });

  for (const [fail, fault] of [['pll', 'pll_lock_timeout'], ['vos', 'voltage_range_timeout']] as const) {
    it(`a ${fail} that does not come up: back on MSI 4 MHz at reset wait states, reported as ${fault}`, async () => {
      const r = await run([fail]);
      checkSequence(r);
      assert.equal(bits(r.reg(L4.RCC_CFGR), 0, 2), 0, 'SYSCLK = MSI');
      assert.equal(bits(r.reg(L4.RCC_CFGR), 4, 4), 0, 'AHB /1');
      assert.equal(bits(r.reg(L4.PWR_CR5), 8, 1), 1, 'range 1 normal again (R1MODE = 1)');
      assert.equal(bits(r.reg(L4.FLASH_ACR), 0, 4), 0);
      assert.equal(r.trueCoreHz, 4e6);
      assert.deepEqual([r.clock.source, r.clock.fault, r.clock.osc, r.clock.ref], ['measured', fault, 'msi', 'lse']);
      assertNear(r.clock.hz, 4e6, 50, 'measured clock');
      checkConsole(r, 4e6);
    });
  }

  it('every wait is bounded: nothing comes up, the code still ends on MSI with a console', async () => {
    const r = await run(['hse', 'hsi', 'pll', 'lse'], { accessCycles: 256 });
    assert.equal(r.runaway, false);
    assert.deepEqual([r.clock.source, r.clock.fault, r.clock.hz], ['configured', 'hsi_timeout', 4e6]);
    checkConsole(r, 4e6);
  });
});

// ---------------------------------------------------------------------------------------------
// FE310-G002 (SiFive FE310-G002 Manual v1p1)
const FE = { PLLCFG: 0x10008008, PLLOUTDIV: 0x1000800c, SCKDIV: 0x10014000, UART0_DIV: 0x10013018 };
/** §6.5: refr = 16 MHz / R in 6..12 MHz, VCO = refr × F in 384..768 MHz, out = VCO / Q in
 * 48..384 MHz; R 1..4, F 2..128 even, Q 2/4/8. §14.3: f_sck = f_in / (2 (sckdiv + 1)). */
const FE310_PLL = { refr: [6e6, 12e6], vco: [384e6, 768e6], out: [48e6, 384e6] } as const;
/** The flash read clock ceiling kept while the core speeds up. */
const FE310_FLASH_SCK_MAX = 50e6;

function fe310Pll(v: number) {
  const r = bits(v, 0, 3) + 1, f = 2 * (bits(v, 4, 6) + 1), q = 2 ** bits(v, 10, 2);
  const refr = 16e6 / r;
  return { r, f, q, refr, vco: refr * f, out: (refr * f) / q, sel: bits(v, 16, 1), refsel: bits(v, 17, 1), bypass: bits(v, 18, 1) };
}

describe('hifive1-revb clock set-up (FE310-G002 manual)', () => {
  let board: BoardDefinition;
  let run: SimRunner;
  before(async () => {
    board = await getBoard('hifive1-revb');
    run = await buildClockSim(board, 'fe310');
  });

  function checkSequence(r: SimRun): void {
    const reset = (a: number) => ({ [FE.PLLCFG]: 0x60001, [FE.SCKDIV]: 3 } as Record<number, number>)[a] ?? 0;
    replay(r.writes, reset, (w, before) => {
      if (w.addr !== FE.PLLCFG) return;
      const prev = fe310Pll(before(FE.PLLCFG));
      const next = fe310Pll(w.value);
      const reconfigures = (w.value & 0x7ffff & ~(1 << 16)) !== (before(FE.PLLCFG) & 0x7ffff & ~(1 << 16));
      if (reconfigures) assert.ok(!prev.sel || !next.sel, '§6.5: the PLL is reconfigured only while hfclk comes from hfrosc');
      if (next.sel && !next.bypass && !prev.sel) {
        const sck = next.out / (2 * (before(FE.SCKDIV) + 1));
        assert.ok(sck <= FE310_FLASH_SCK_MAX, `§14.3: flash SCK ${sck} Hz ≤ ${FE310_FLASH_SCK_MAX} before the core switches to ${next.out} Hz`);
      }
    });
  }

  it('320 MHz from the 16 MHz crystal: R, F, Q in the manual\'s ranges, flash clock slowed first; measured over mtime', async () => {
    const r = await run();
    assert.equal(board.clockHz, 320_000_000);
    checkSequence(r);
    const pll = fe310Pll(r.reg(FE.PLLCFG));
    assert.deepEqual([pll.sel, pll.refsel, pll.bypass], [1, 1, 0]);
    assert.ok(pll.refr >= FE310_PLL.refr[0] && pll.refr <= FE310_PLL.refr[1], `refr ${pll.refr}`);
    assert.ok(pll.vco >= FE310_PLL.vco[0] && pll.vco <= FE310_PLL.vco[1], `VCO ${pll.vco}`);
    assert.ok(pll.out >= FE310_PLL.out[0] && pll.out <= FE310_PLL.out[1], `PLL out ${pll.out}`);
    assert.equal(pll.out, board.clockHz);
    assert.equal(bits(r.reg(FE.PLLOUTDIV), 8, 1), 1, 'plloutdivby1');
    assert.equal(r.trueCoreHz, 320e6);
    assert.deepEqual([r.clock.source, r.clock.fault, r.clock.osc, r.clock.ref], ['measured', 'none', 'hfxosc_pll', 'mtime']);
    assertNear(r.clock.hz, 320e6, 50, 'measured clock');
    assertBaud(r.clock.uartHz / (r.reg(FE.UART0_DIV) + 1), 'UART0 (§18.9: baud = f / (div + 1))');
  });

  it('no PLL lock: the crystal itself through pllbypass, 16 MHz, reported', async () => {
    const r = await run(['pll']);
    checkSequence(r);
    assert.equal(r.trueCoreHz, 16e6);
    assert.deepEqual([r.clock.source, r.clock.fault, r.clock.osc], ['measured', 'pll_lock_timeout', 'hfxosc']);
    assertNear(r.clock.hz, 16e6, 100, 'measured clock');
    assertBaud(16e6 / (r.reg(FE.UART0_DIV) + 1), 'UART0 at 16 MHz');
  });

  it('no crystal: stays on hfrosc, whose real rate the measurement finds and the UART divisor uses', async () => {
    const r = await run(['hfxosc']);
    assert.equal(r.trueCoreHz, 14.2e6);
    assert.deepEqual([r.clock.source, r.clock.fault, r.clock.osc], ['measured', 'hfxosc_timeout', 'hfrosc']);
    assertNear(r.clock.hz, 14.2e6, 200, 'measured clock');
    assertBaud(r.trueCoreHz / (r.reg(FE.UART0_DIV) + 1), 'UART0 at the real hfrosc rate');
  });

  it('lfclk from the internal oscillator is no time base: the clock is the configured one', async () => {
    const r = await run(['lfaltclk']);
    assert.deepEqual([r.clock.source, r.clock.ref, r.clock.hz], ['configured', 'none', 320e6]);
  });
});

// ---------------------------------------------------------------------------------------------
// ESP32-C3 (ESP32-C3 Technical Reference Manual v1.x)
const C3 = {
  CPU_PER_CONF: 0x600c0008, SYSCLK_CONF: 0x600c0058, RTC_OPTIONS0: 0x60008000,
  UART0_CLKDIV: 0x60000014, UART0_CLK_CONF: 0x60000078, UART0_ID: 0x60000080,
  bbpll: (reg: number) => (0xa0660000 | (reg << 8)) >>> 0,
};
/** TRM §6.2.4 Table 6-3: CPU_CLK from PLL_CLK by PLL_FREQ_SEL and CPUPERIOD_SEL. */
const C3_CPU_CLOCK: Record<string, number> = { '480,0': 80e6, '480,1': 160e6, '320,0': 80e6, '320,1': 160e6 };
/** Espressif's BBPLL relation (ESP-IDF rtc_clk.c): f = f_xtal × (div7_0 + 4) / (ref_div + 1). */
const c3Bbpll = (div70: number, refDiv: number) => (40e6 * (div70 + 4)) / (refDiv + 1);

describe('esp32-c3-devkitm-1 clock set-up (ESP32-C3 TRM)', () => {
  let board: BoardDefinition;
  let run: SimRunner;
  before(async () => {
    board = await getBoard('esp32-c3-devkitm-1');
    run = await buildClockSim(board, 'esp32c3');
  });

  function checkSequence(r: SimRun): void {
    const reset = (a: number) => (a === C3.RTC_OPTIONS0 ? 0x540 : 0);
    let switched = 0;
    replay(r.writes, reset, (w, before) => {
      if (w.addr === C3.SYSCLK_CONF && bits(w.value, 10, 2) === 1 && bits(before(C3.SYSCLK_CONF), 10, 2) !== 1) {
        switched++;
        assert.equal(before(C3.RTC_OPTIONS0) & 0x540, 0, '§6.2: BBPLL and its analog bus powered before the switch');
        const pll = c3Bbpll(before(C3.bbpll(3)) & 0xff, before(C3.bbpll(2)) & 0xf);
        const sel = bits(before(C3.CPU_PER_CONF), 2, 1) ? 480 : 320;
        assert.equal(pll, sel * 1e6, 'the BBPLL is configured for the rate PLL_FREQ_SEL announces');
        assert.equal(C3_CPU_CLOCK[`${sel},${bits(before(C3.CPU_PER_CONF), 0, 2)}`], board.clockHz, 'CPU period set before the switch');
        assert.equal(bits(w.value, 0, 10), 0, 'no pre-divider under the PLL');
      }
    });
    assert.equal(switched, 1, 'SOC_CLK_SEL switched to the PLL once');
    // The console: crystal-clocked, so its divisor holds across the switch.
    assert.equal(bits(r.reg(C3.UART0_CLK_CONF), 20, 2), 3, 'UART0 SCLK = XTAL');
    assert.equal(bits(r.reg(C3.UART0_CLK_CONF), 12, 8), 0);
    const div = r.reg(C3.UART0_CLKDIV);
    assertBaud(40e6 / (bits(div, 0, 12) + bits(div, 20, 4) / 16), 'UART0');
    assert.ok(r.writes.some((w) => w.addr === C3.UART0_ID && bits(w.value, 31, 1) === 1), '§26: REG_UPDATE after the divisor');
  }

  it('160 MHz from the 480 MHz BBPLL; measured as mpccr cycles over systimer ticks', async () => {
    const r = await run();
    assert.equal(board.clockHz, 160_000_000);
    checkSequence(r);
    assert.equal(r.trueCoreHz, 160e6);
    assert.deepEqual([r.clock.source, r.clock.fault, r.clock.osc, r.clock.ref], ['measured', 'none', 'xtal_bbpll', 'systimer']);
    assertNear(r.clock.hz, 160e6, 20, 'measured clock');
  });

  it('a PLL at the wrong rate (no lock flag on this chip) is caught by the measurement', async () => {
    const r = await run(['pll']);
    assert.equal(r.trueCoreHz, 80e6);
    assert.deepEqual([r.clock.source, r.clock.fault], ['measured', 'pll_rate_wrong']);
    assertNear(r.clock.hz, 80e6, 20, 'measured clock');
  });

  it('a systimer that never latches: bounded, reported, clock left on the crystal', async () => {
    const r = await run(['systimer']);
    assert.equal(r.runaway, false);
    assert.deepEqual([r.clock.source, r.clock.fault, r.clock.hz], ['configured', 'systimer_timeout', 40e6]);
    assert.equal(r.trueCoreHz, 40e6);
  });
});

// ---------------------------------------------------------------------------------------------
// ESP32 (ESP32 Technical Reference Manual v4.x). No Xtensa toolchain here: this model run is
// the check the set-up gets before a DevKitC runs it.
const E32 = {
  OPTIONS0: 0x3ff48000, CLK_CONF: 0x3ff48070, RTC_REG: 0x3ff4807c, CPU_PER_CONF: 0x3ff0003c, UART0_CLKDIV: 0x3ff40014,
  bbpll: (reg: number) => (0xa0660000 | (reg << 8)) >>> 0,
};
/** §3.2.3 Table 3-3 (CPU_CLK source PLL_CLK): CPUPERIOD_SEL 0/1/2 → 80/160/240 MHz. */
const ESP32_CPU_CLOCK = [80e6, 160e6, 240e6];
/** 240 MHz needs DIG_DBIAS at 1.25 V (code 7) less the eFuse trim (0 in the model). */
const ESP32_DBIAS_240 = 7;

describe('esp32-devkitc clock set-up (ESP32 TRM)', () => {
  let board: BoardDefinition;
  let run: SimRunner;
  before(async () => {
    board = await getBoard('esp32-devkitc');
    run = await buildClockSim(board, 'esp32');
  });

  it('240 MHz from the 480 MHz BBPLL, voltage raised first, console divisor for APB 80 MHz; measured against the crystal', async () => {
    const r = await run();
    assert.equal(board.clockHz, 240_000_000);
    let switched = 0;
    replay(r.writes, (a) => (a === E32.OPTIONS0 ? 0x40540 : 0), (w, before) => {
      if (w.addr === E32.CLK_CONF && bits(w.value, 27, 2) === 1 && bits(before(E32.CLK_CONF), 27, 2) !== 1) {
        switched++;
        assert.equal(before(E32.OPTIONS0) & 0x40540, 0, 'BBPLL, analog bus and bias powered');
        assert.deepEqual([before(E32.bbpll(11)), before(E32.bbpll(3))], [0xc3, 28], 'BBPLL at 480 MHz (ENDIV5, OC_DIV_7_0)');
        assert.ok(bits(before(E32.RTC_REG), 11, 3) >= ESP32_DBIAS_240, 'core voltage raised before 240 MHz');
        assert.equal(ESP32_CPU_CLOCK[bits(before(E32.CPU_PER_CONF), 0, 2)], board.clockHz, 'CPU period before the switch');
      }
    });
    assert.equal(switched, 1);
    assert.equal(r.trueCoreHz, 240e6);
    const div = r.reg(E32.UART0_CLKDIV);
    assertBaud(80e6 / (bits(div, 0, 20) + bits(div, 20, 4) / 16), 'UART0 at APB 80 MHz');
    assert.deepEqual([r.clock.source, r.clock.fault, r.clock.osc, r.clock.ref], ['measured', 'none', 'xtal_bbpll', 'xtal_cali']);
    assertNear(r.clock.hz, 240e6, 50, 'measured clock');
  });

  it('a PLL at the wrong rate is caught by the measurement; a calibration that never ends is bounded', async () => {
    const wrong = await run(['pll']);
    assert.deepEqual([wrong.clock.source, wrong.clock.fault], ['measured', 'pll_rate_wrong']);
    assertNear(wrong.clock.hz, 120e6, 50, 'measured clock');
    const stuck = await run(['cali'], { accessCycles: 64 });
    assert.equal(stuck.runaway, false);
    assert.deepEqual([stuck.clock.source, stuck.clock.ref, stuck.clock.hz], ['configured', 'rtc_cali_timeout', 240e6]);
  });
});

// Every physical board's clock set-up is covered above: a new board comes with its model.
const COVERED = ['nucleo-f446re', 'nucleo-l4r5zi', 'hifive1-revb', 'esp32-c3-devkitm-1', 'esp32-devkitc'];
it('every physical board has a clock set-up checked against its manual here', async () => {
  const { listBoards } = await import('../../boards/index.ts');
  for (const b of (await listBoards()).filter((x) => !x.virtual)) {
    assert.ok(COVERED.includes(b.id), `${b.id}: add its register model and manual checks to this file`);
    assert.ok(b.sources.some((s) => /\/clock-[^/]+\.c$/.test(s)), `${b.id} builds a clock set-up file`);
  }
});
