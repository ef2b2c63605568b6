// Nordic PPK2 driver: source-meter mode (the PPK2 powers the board at a set voltage), reads the
// per-range calibration from the instrument's metadata, converts the 100 kHz sample stream into
// amperes and keeps the logic-input bits for the inference marks.
import { SerialPort } from 'serialport';
import type { PowerSample } from './energy.ts';
import type { PowerProbe, ProbeKind } from './probe.ts';
import {
  decodeFrame, parseMetadata, PPK2_CMD, POWER_MODE, regulatorBytes, SAMPLE_PERIOD_S, sampleCurrent, type Ppk2Calibration,
} from './ppk2-protocol.ts';

export class Ppk2 implements PowerProbe {
  readonly kind = 'ppk2';
  calibration: Ppk2Calibration | undefined;
  private rx: Buffer = Buffer.alloc(0);
  private samples: PowerSample[] = [];
  private lastCounter = -1;
  private dropped = 0;
  private measuring = false;
  private textWaiter: ((chunk: Buffer) => void) | undefined;

  private constructor(private port: SerialPort, readonly voltageMv: number) {
    port.on('data', (d: Buffer) => this.onData(d));
  }

  static open(path: string, voltageMv = 3300): Promise<Ppk2> {
    regulatorBytes(voltageMv); // validates the range before touching hardware
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
      port.open((err) => (err ? reject(new Error(`cannot open PPK2 at ${path}: ${err.message}`)) : resolve(new Ppk2(port, voltageMv))));
    });
  }

  private write(bytes: number[]): Promise<void> {
    return new Promise((res, rej) => this.port.write(Buffer.from(bytes), (e) => (e ? rej(e) : this.port.drain((e2) => (e2 ? rej(e2) : res())))));
  }

  private onData(d: Buffer): void {
    if (this.textWaiter) { this.textWaiter(d); return; }
    if (!this.measuring) return;
    this.rx = this.rx.length ? Buffer.concat([this.rx, d]) : d;
    const whole = this.rx.length - (this.rx.length % 4);
    for (let off = 0; off < whole; off += 4) {
      const raw = decodeFrame(this.rx.readUInt32LE(off));
      // The 6-bit counter advances by one per sample: a jump means the host lost bytes.
      if (this.lastCounter >= 0) this.dropped += (raw.counter - this.lastCounter - 1 + 64) % 64;
      this.lastCounter = raw.counter;
      this.samples.push({ currentA: sampleCurrent(this.calibration!, raw, this.voltageMv), logic: raw.logic });
    }
    this.rx = this.rx.subarray(whole);
  }

  /** Sends GetMetadata and reads the text block up to its END line. */
  async readMetadata(timeoutMs = 3000): Promise<Ppk2Calibration> {
    let text = '';
    const done = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => { this.textWaiter = undefined; reject(new Error(`PPK2 sent no metadata within ${timeoutMs} ms (wrong port?)`)); }, timeoutMs);
      this.textWaiter = (chunk) => {
        text += chunk.toString('latin1');
        if (/\bEND\b/.test(text)) { clearTimeout(timer); this.textWaiter = undefined; resolve(text); }
      };
    });
    await this.write([PPK2_CMD.GetMetadata]);
    this.calibration = parseMetadata(await done);
    return this.calibration;
  }

  async init(): Promise<void> {
    await this.readMetadata();
    await this.write([PPK2_CMD.SetPowerMode, POWER_MODE.source]);
    await this.write([PPK2_CMD.RegulatorSet, ...regulatorBytes(this.voltageMv)]);
    await this.write([PPK2_CMD.DeviceRunningSet, 1]);
  }

  async start(): Promise<void> {
    if (!this.calibration) throw new Error('PPK2: init() must run before start()');
    this.samples = [];
    this.rx = Buffer.alloc(0);
    this.lastCounter = -1;
    this.dropped = 0;
    this.measuring = true;
    await this.write([PPK2_CMD.AverageStart]);
  }

  /** Samples received since start() (callers wait for a known stretch instead of a fixed time). */
  get sampleCount(): number {
    return this.samples.length;
  }

  async stop(): Promise<{ samples: PowerSample[]; periodS: number; supplyV: number; droppedSamples: number }> {
    await this.write([PPK2_CMD.AverageStop]);
    // Frames already in flight still belong to the window; give them a moment to arrive.
    await new Promise((r) => setTimeout(r, 50));
    this.measuring = false;
    return { samples: this.samples, periodS: SAMPLE_PERIOD_S, supplyV: this.voltageMv / 1000, droppedSamples: this.dropped };
  }

  async powerBoard(on: boolean): Promise<void> {
    await this.write([PPK2_CMD.DeviceRunningSet, on ? 1 : 0]);
  }

  close(): Promise<void> {
    return new Promise((res) => (this.port.isOpen ? this.port.close(() => res()) : res()));
  }
}

/** The rack file's `probe.kind: ppk2`. */
export const probe: ProbeKind = { kind: 'ppk2', open: (port, s) => Ppk2.open(port, s.voltageMv) };
