// What running a virtual board looks like to `tinyrack run` and to the lab agent alike: start a
// firmware, read its console line by line as it arrives, learn how it ended. One implementation
// per kind of virtual board (qemu.ts: a QEMU machine; host.ts: a native process).

export interface VirtualRunOptions {
  /** Whole-run limit in wall-clock ms (default 60 s): the firmware is killed and the run is
   * reported as timed out. */
  timeoutMs?: number;
  /** Extra arguments for the emulator (QEMU only; appended). */
  extraArgs?: string[];
}

export interface VirtualExit {
  /** The firmware's exit status (semihosting exit on QEMU, the process's on the host), or null
   * when it was killed. */
  exitCode: number | null;
  timedOut: boolean;
  /** The emulator's or process's stderr (diagnostics). */
  stderr: string;
}

export interface VirtualBoard {
  /** Starts the firmware; resolves once its console is being read (no line can be missed). */
  start(elfPath: string): Promise<void>;
  /** Console lines, each with its line ending, until the run ends. */
  lines(): AsyncGenerator<string>;
  /** Resolves when the run has ended (normally, at the time limit, or by stop()). */
  wait(): Promise<VirtualExit>;
  /** Kills the run if it still goes and waits for it. */
  stop(): Promise<void>;
}

/** Console bytes to lines for a reader that pulls lines as they come (lines() above). */
export class ConsoleLines {
  private queue: string[] = [];
  private waiters: Array<() => void> = [];
  private partial = '';
  private closed = false;

  get isClosed(): boolean { return this.closed; }

  push(text: string): void {
    this.partial += text;
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      this.queue.push(this.partial.slice(0, nl + 1));
      this.partial = this.partial.slice(nl + 1);
    }
    this.wake();
  }

  /** No more bytes: an unterminated last line is still a line. */
  finish(): void {
    if (this.closed) return;
    if (this.partial) { this.queue.push(this.partial); this.partial = ''; }
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  async *lines(): AsyncGenerator<string> {
    for (;;) {
      if (this.queue.length) { yield this.queue.shift()!; continue; }
      if (this.closed) return;
      await new Promise<void>((res) => this.waiters.push(res));
    }
  }
}
