// A pseudo-terminal pair from socat: what one end writes, the other reads, like a USB serial
// console. Used to stand in for a board's console and for the PPK2's port in tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair { a: string; b: string; close(): Promise<void> }

export async function ptyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'tinyrack-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const proc: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  let failed: Error | undefined;
  proc.once('error', (e) => { failed = e; });
  const deadline = Date.now() + 5000;
  while (!(existsSync(a) && existsSync(b))) {
    if (failed) throw new Error(`socat could not start (apt-get install socat): ${failed.message}`);
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error('socat did not create the pty pair within 5 s'); }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    a, b,
    async close() {
      if (proc.exitCode === null) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
