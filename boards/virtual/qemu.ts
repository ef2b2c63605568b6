// The QEMU virtual-board driver: runs a firmware ELF on the QEMU machine of a board definition
// and streams its console lines. Used by `tinyrack run` and by the lab agent's virtual boards.
//
// Sequence (so no early output is lost): start QEMU paused (-S) with the console on a pty and
// the monitor on a unix socket; read "char device redirected to /dev/pts/N" from its stderr;
// open that pty with serialport; then send "cont" to the monitor. -icount shift=0 makes the run
// deterministic (1 instruction = 1 ns of virtual time) and the counters exact; semihosting
// gives QEMU the firmware's exit status. A run that does not end within the timeout is killed
// and reported as timed out.
// When QEMU exits the pty hangs up and the kernel drops what the reader had not yet taken
// (typically the END line), so the console chardev also logs to a file; after the exit the
// driver delivers whatever the pty lost from that log (the pty always delivers a prefix).
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { SerialPort } from 'serialport';
import type { BoardDefinition } from '../types.ts';
import { ConsoleLines, type VirtualBoard, type VirtualExit, type VirtualRunOptions } from './virtual-board.ts';

export type QemuRunOptions = VirtualRunOptions;
/** exitCode: the firmware's semihosting exit status, or null when killed. */
export type QemuExit = VirtualExit;

/** The QEMU command line for a board (without the ELF-specific parts). */
export function qemuArgs(board: BoardDefinition, elfPath: string, monitorSocket: string, consoleLog: string): string[] {
  if (!board.qemu) throw new Error(`board ${board.id} is not a QEMU board`);
  return [
    ...board.qemu.machineArgs,
    '-display', 'none',
    '-monitor', `unix:${monitorSocket},server=on,wait=off`,
    '-chardev', `pty,id=console,logfile=${consoleLog},logappend=off`,
    '-serial', 'chardev:console',
    '-icount', 'shift=0',
    '-semihosting-config', 'enable=on,target=native',
    '-S',
    '-kernel', elfPath,
  ];
}

export class QemuBoard implements VirtualBoard {
  private proc?: ResultPromise<{ reject: false; buffer: true; stdin: 'ignore' }>;
  private port?: SerialPort;
  private tmp?: string;
  private console = new ConsoleLines();
  private timer?: NodeJS.Timeout;
  private exitInfo?: QemuExit;
  private stderrText = '';
  private exitPromise?: Promise<QemuExit>;
  private killedForTimeout = false;
  /** Console bytes delivered so far, and their first 64 (to check the log is the same stream). */
  private received = 0;
  private receivedHead = '';

  constructor(readonly board: BoardDefinition, private readonly opts: QemuRunOptions = {}) {
    if (!board.qemu) throw new Error(`board ${board.id} has no QEMU machine (it is a physical board)`);
  }

  /** Starts the firmware; resolves once the console is open and the CPU runs. */
  async start(elfPath: string): Promise<void> {
    if (this.proc) throw new Error('QemuBoard.start called twice');
    this.tmp = mkdtempSync(join(tmpdir(), 'tinyrack-qemu-'));
    const monitor = join(this.tmp, 'monitor.sock');
    const consoleLog = join(this.tmp, 'console.log');
    const args = [...qemuArgs(this.board, elfPath, monitor, consoleLog), ...(this.opts.extraArgs ?? [])];
    const proc = execa(this.board.qemu!.binary, args, { reject: false, buffer: true, stdin: 'ignore' });
    this.proc = proc;
    const timeoutMs = this.opts.timeoutMs ?? 60_000;
    this.timer = setTimeout(() => { this.killedForTimeout = true; proc.kill('SIGKILL'); }, timeoutMs);
    this.exitPromise = (async () => {
      const r = await proc;
      clearTimeout(this.timer);
      // Give the pty a moment to hand over what QEMU wrote just before exiting.
      await new Promise((res) => setTimeout(res, 50));
      await this.closePort(consoleLog);
      this.exitInfo = {
        exitCode: this.killedForTimeout ? null : (r.exitCode ?? null),
        timedOut: this.killedForTimeout,
        stderr: this.stderrText,
      };
      return this.exitInfo;
    })();

    // QEMU announces the pty on stdout (7.x) or stderr (older): watch both.
    proc.stderr!.on('data', (c: Buffer) => { this.stderrText += c.toString(); });
    const pty = await new Promise<string>((resolve, reject) => {
      let seen = '';
      const onData = (chunk: Buffer) => {
        seen += chunk.toString();
        const m = /char device redirected to (\/dev\/pts\/\d+)/.exec(seen + this.stderrText);
        if (m) {
          proc.stdout!.off('data', onData);
          proc.stderr!.off('data', onData);
          resolve(m[1]!);
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      void this.exitPromise!.then((e) => reject(new Error(`QEMU exited before the console opened (status ${e.exitCode}): ${e.stderr.trim()}`)));
    });

    const port = new SerialPort({ path: pty, baudRate: this.board.serial.baud || 115200, autoOpen: false });
    await new Promise<void>((res, rej) => port.open((err) => (err ? rej(err) : res())));
    this.port = port;
    port.on('data', (chunk: Buffer) => this.onData(chunk.toString('latin1')));
    port.on('error', () => { /* pty gone when QEMU exits: handled by close */ });

    const sock = connect(monitor);
    await once(sock, 'connect');
    sock.write('cont\n');
    sock.end();
  }

  private onData(text: string): void {
    this.received += text.length;
    if (this.receivedHead.length < 64) this.receivedHead = (this.receivedHead + text).slice(0, 64);
    this.console.push(text);
  }

  private async closePort(consoleLog: string): Promise<void> {
    const port = this.port;
    if (port?.isOpen) await new Promise<void>((res) => port.close(() => res()));
    // Deliver what the pty lost at the hang-up, from QEMU's log of the same console.
    if (existsSync(consoleLog) && !this.console.isClosed) {
      const all = readFileSync(consoleLog).toString('latin1');
      if (all.length > this.received && all.startsWith(this.receivedHead)) this.onData(all.slice(this.received));
    }
    this.console.finish();
  }

  /** Sends bytes to the board's console UART (host -> board, for harness protocols that take
   * commands); resolves once they are handed to the pty. */
  async write(data: string | Uint8Array): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) throw new Error(`console of ${this.board.id} is not open (QEMU not started or already ended)`);
    await new Promise<void>((res, rej) => port.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data), (err) => (err ? rej(err) : res())));
    await new Promise<void>((res, rej) => port.drain((err) => (err ? rej(err) : res())));
  }

  /** Console lines (with their line endings) until the run ends. */
  lines(): AsyncGenerator<string> {
    return this.console.lines();
  }

  /** Resolves when QEMU has exited (normally, or killed at the timeout or by stop()). */
  async wait(): Promise<QemuExit> {
    if (!this.exitPromise) throw new Error('QemuBoard not started');
    const e = await this.exitPromise;
    if (this.tmp) { rmSync(this.tmp, { recursive: true, force: true }); this.tmp = undefined; }
    return e;
  }

  get exitCode(): number | null | undefined {
    return this.exitInfo?.exitCode;
  }

  async stop(): Promise<void> {
    if (this.proc && this.proc.exitCode === null) this.proc.kill('SIGKILL');
    if (this.exitPromise) await this.wait();
  }
}
