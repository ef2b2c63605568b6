// The host board's driver: the firmware is a native executable, its console is the process's
// stdout, its exit status the firmware's END status. Streams lines like the QEMU driver, so
// `tinyrack run` and the agent read the host board exactly as they read a QEMU board.
import { execa, type ResultPromise } from 'execa';
import type { BoardDefinition } from '../types.ts';
import { ConsoleLines, type VirtualBoard, type VirtualExit, type VirtualRunOptions } from './virtual-board.ts';

export class HostBoard implements VirtualBoard {
  private proc?: ResultPromise<{ reject: false; buffer: false; stdin: 'ignore' }>;
  private console = new ConsoleLines();
  private exitPromise?: Promise<VirtualExit>;

  constructor(readonly board: BoardDefinition, private readonly opts: VirtualRunOptions = {}) {
    if (board.arch !== 'host') throw new Error(`board ${board.id} is not the host board`);
  }

  async start(elfPath: string): Promise<void> {
    if (this.proc) throw new Error('HostBoard.start called twice');
    const timeoutMs = this.opts.timeoutMs ?? 60_000;
    const proc = execa(elfPath, [], { reject: false, buffer: false, stdin: 'ignore', timeout: timeoutMs, forceKillAfterDelay: 1000 });
    this.proc = proc;
    let stderr = '';
    proc.stdout!.on('data', (c: Buffer) => this.console.push(c.toString('latin1')));
    proc.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
    // 'close' (not the process's exit) is when every stdout byte has been delivered.
    const drained = new Promise<void>((res) => proc.stdout!.once('close', () => res()));
    this.exitPromise = (async () => {
      const r = await proc;
      await drained;
      this.console.finish();
      const timedOut = Boolean(r.timedOut);
      return { exitCode: timedOut ? null : (r.exitCode ?? null), timedOut, stderr };
    })();
  }

  lines(): AsyncGenerator<string> {
    return this.console.lines();
  }

  async wait(): Promise<VirtualExit> {
    if (!this.exitPromise) throw new Error('HostBoard not started');
    return this.exitPromise;
  }

  async stop(): Promise<void> {
    if (this.proc && this.proc.exitCode === null) this.proc.kill('SIGKILL');
    if (this.exitPromise) await this.exitPromise;
  }
}
