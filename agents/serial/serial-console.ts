// A board console on a serial port (USB CDC, FTDI/CP210x/CH340 bridge, or a pty in tests) as a
// LineSource. DTR/RTS reset is offered for boards that wire them to reset (ESP32 style).
import { SerialPort } from 'serialport';
import type { LineSource } from './capture.ts';
import { LineSplitter } from './line-splitter.ts';

export class SerialConsole implements LineSource {
  private constructor(readonly path: string, private port: SerialPort) {}

  static open(path: string, baudRate: number): Promise<SerialConsole> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate, autoOpen: false });
      port.open((err) => {
        if (err) reject(new Error(`cannot open console ${path}: ${err.message}`));
        else resolve(new SerialConsole(path, port));
      });
    });
  }

  /** `maxLine`: longest line kept whole (TR1 records fit the default; an MLPerf Tiny m-results
   * line of a 640-value output does not). */
  subscribe(onLine: (line: string) => void, onEnd: (reason: string) => void, maxLine?: number): () => void {
    const splitter = new LineSplitter(onLine, maxLine);
    const onData = (d: Buffer): void => splitter.push(d);
    const onClose = (): void => { splitter.flush(); onEnd(`${this.path} closed (board unplugged?)`); };
    const onError = (e: Error): void => onEnd(`${this.path}: ${e.message}`);
    this.port.on('data', onData);
    this.port.on('close', onClose);
    this.port.on('error', onError);
    return () => {
      this.port.off('data', onData);
      this.port.off('close', onClose);
      this.port.off('error', onError);
    };
  }

  /** Pulses RTS (EN on ESP32 boards) with DTR high (IO0 not held low), i.e. a normal boot. */
  async resetByRts(): Promise<void> {
    const set = (o: { dtr: boolean; rts: boolean }) => new Promise<void>((res, rej) => this.port.set(o, (e) => (e ? rej(e) : res())));
    await set({ dtr: false, rts: true });
    await new Promise((r) => setTimeout(r, 100));
    await set({ dtr: false, rts: false });
  }

  /** Drops whatever the board printed before now. */
  flushInput(): Promise<void> {
    return new Promise((res) => this.port.flush(() => res()));
  }

  close(): Promise<void> {
    return new Promise((res) => {
      if (!this.port.isOpen) { res(); return; }
      this.port.close(() => res());
    });
  }
}

/** Host -> board bytes on a serial console (harness protocols that take commands). Kept as a
 * function beside the class so the class itself stays as it is. */
export function consoleWriter(c: SerialConsole): (data: string) => Promise<void> {
  const port = (c as unknown as { port: SerialPort }).port;
  return (data) => new Promise<void>((res, rej) => port.write(Buffer.from(data, 'latin1'), (err) => (err ? rej(err) : port.drain((e) => (e ? rej(e) : res())))));
}
