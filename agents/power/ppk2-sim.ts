// A simulated PPK2 on a serial port (one end of a pty pair): it speaks the instrument's wire
// protocol (metadata text, mode/regulator/running commands, 4-byte sample frames with range,
// counter and logic bits) and plays a scripted current profile, so the driver is exercised
// byte for byte without the hardware. A fake of a physical instrument, for tests only.
import { SerialPort } from 'serialport';
import {
  ADC_MULT, encodeFrame, formatMetadata, PPK2_CMD, SAMPLE_PERIOD_S, type Ppk2Calibration,
} from './ppk2-protocol.ts';

/** A stretch of constant current with the logic inputs in a given state. */
export interface ProfileSegment { durationUs: number; currentA: number; logic: number }

export const SIM_CALIBRATION: Ppk2Calibration = {
  calibrated: true,
  r: [1031.64, 101.65, 10.15, 0.94, 0.043], o: [58.2, 64.1, 71.9, 89.3, 104.6],
  gs: [0, 0, 0, 0, 0], gi: [1, 1, 1, 1, 1], s: [0, 0, 0, 0, 0], i: [0, 0, 0, 0, 0], ug: [1, 1, 1, 1, 1],
  hw: '9173', vddMv: 3300,
};

export class Ppk2Simulator {
  /** Commands received, in order, for tests to check the driver's protocol use. */
  readonly commands: number[][] = [];
  mode = 0;
  voltageMv = 0;
  running = false;
  private counter = 0;
  private streamTimer: NodeJS.Timeout | undefined;

  private constructor(private port: SerialPort, private profile: ProfileSegment[], private idle: ProfileSegment) {
    port.on('data', (d: Buffer) => this.onCommand(d));
  }

  static open(path: string, profile: ProfileSegment[], idle: ProfileSegment = { durationUs: 0, currentA: 1e-6, logic: 0 }): Promise<Ppk2Simulator> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
      port.open((err) => (err ? reject(err) : resolve(new Ppk2Simulator(port, profile, idle))));
    });
  }

  private argCount(op: number): number {
    switch (op) {
      case PPK2_CMD.RegulatorSet: return 2;
      case PPK2_CMD.SetPowerMode: case PPK2_CMD.DeviceRunningSet: return 1;
      default: return 0;
    }
  }

  private pending: number[] = [];
  private onCommand(d: Buffer): void {
    this.pending.push(...d);
    while (this.pending.length) {
      const op = this.pending[0]!;
      const n = this.argCount(op);
      if (this.pending.length < 1 + n) return;
      const cmd = this.pending.splice(0, 1 + n);
      this.commands.push(cmd);
      switch (op) {
        case PPK2_CMD.GetMetadata: this.port.write(formatMetadata(SIM_CALIBRATION)); break;
        case PPK2_CMD.SetPowerMode: this.mode = cmd[1]!; break;
        case PPK2_CMD.RegulatorSet: this.voltageMv = (cmd[1]! << 8) | cmd[2]!; break;
        case PPK2_CMD.DeviceRunningSet: this.running = cmd[1] === 1; break;
        case PPK2_CMD.AverageStart: this.stream(); break;
        case PPK2_CMD.AverageStop: this.stopStream(); break;
        default: break;
      }
    }
  }

  /** The range the real instrument's auto-ranging would pick, and the ADC code for a current. */
  static encodeCurrent(currentA: number): { range: number; adc: number } {
    const limits = [50e-6, 500e-6, 5e-3, 60e-3, Infinity];
    const range = limits.findIndex((l) => currentA < l);
    const adc = Math.round((currentA / (ADC_MULT / SIM_CALIBRATION.r[range]!) + SIM_CALIBRATION.o[range]!) / 4);
    return { range, adc: Math.max(0, Math.min(0x3fff, adc)) };
  }

  private frames(seg: ProfileSegment): Buffer {
    const n = Math.round(seg.durationUs * 1e-6 / SAMPLE_PERIOD_S);
    const buf = Buffer.alloc(n * 4);
    const { range, adc } = Ppk2Simulator.encodeCurrent(seg.currentA);
    for (let k = 0; k < n; k++) {
      buf.writeUInt32LE(encodeFrame({ adc, range, counter: this.counter, logic: seg.logic }), k * 4);
      this.counter = (this.counter + 1) & 0x3f;
    }
    return buf;
  }

  private stream(): void {
    // The profile goes out at once (as the real device's USB bursts do), then idle samples
    // keep flowing until AverageStop, like the instrument's continuous stream.
    this.port.write(Buffer.concat(this.profile.map((s) => this.frames(s))));
    const tick = (): void => {
      this.port.write(this.frames({ ...this.idle, durationUs: 1000 }));
      this.streamTimer = setTimeout(tick, 10);
    };
    this.streamTimer = setTimeout(tick, 10);
  }

  private stopStream(): void {
    if (this.streamTimer) clearTimeout(this.streamTimer);
    this.streamTimer = undefined;
  }

  close(): Promise<void> {
    this.stopStream();
    return new Promise((res) => (this.port.isOpen ? this.port.close(() => res()) : res()));
  }
}

/** One timed loop as the instrument sees it: how long, at what current. */
export interface TimedLoop { durationUs: number; currentA: number }

/**
 * The digital-input picture of a firmware's timed loops (a profile for the simulator): 'level'
 * raises bit `bit` for each loop; 'pulses' (EEMBC energy mode) keeps it high and pulls it low
 * for `pulseUs` at the start and at the end of each loop, the low pulse drawing the loop's
 * current. Idle stretches of `gapUs` at `idleA` come before, between and after.
 */
export function timestampProfile(loops: readonly TimedLoop[], o: { mode: 'level' | 'pulses'; bit?: number; idleA?: number; gapUs?: number; pulseUs?: number }): ProfileSegment[] {
  const mask = 1 << (o.bit ?? 0);
  const idleA = o.idleA ?? 5e-6;
  const gapUs = o.gapUs ?? 500;
  const pulseUs = o.pulseUs ?? 20;
  const out: ProfileSegment[] = [];
  const idleLogic = o.mode === 'pulses' ? mask : 0;
  out.push({ durationUs: gapUs, currentA: idleA, logic: idleLogic });
  for (const l of loops) {
    if (o.mode === 'level') {
      out.push({ durationUs: l.durationUs, currentA: l.currentA, logic: mask });
    } else {
      // The loop's time runs from the first falling edge to the second.
      out.push({ durationUs: pulseUs, currentA: l.currentA, logic: 0 });
      out.push({ durationUs: l.durationUs - pulseUs, currentA: l.currentA, logic: mask });
      out.push({ durationUs: pulseUs, currentA: idleA, logic: 0 });
    }
    out.push({ durationUs: gapUs, currentA: idleA, logic: idleLogic });
  }
  return out;
}
