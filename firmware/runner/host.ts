// Runs a firmware built for the "host" board as a native process (stdout = its console).
import { execa } from 'execa';

export interface HostRun {
  lines: string[];
  exitCode: number | null;
  timedOut: boolean;
  stderr: string;
}

export async function runHost(elfPath: string, timeoutMs: number): Promise<HostRun> {
  const r = await execa(elfPath, [], { reject: false, timeout: timeoutMs, stdin: 'ignore', buffer: true, stripFinalNewline: false });
  const out = String(r.stdout ?? '');
  const lines = out.split(/(?<=\n)/).filter((l) => l.length > 0);
  return { lines, exitCode: r.timedOut ? null : (r.exitCode ?? null), timedOut: Boolean(r.timedOut), stderr: String(r.stderr ?? '') };
}
