// Power-probe kinds: every file in this folder that exports `probe` (a ProbeKind). The rack file
// names a kind (`probe.kind`); a new instrument is a new file here, nothing else changes.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PowerProbe, ProbeKind, ProbeSettings } from './probe.ts';

const DIR = dirname(fileURLToPath(import.meta.url));
const PROBES = new Map<string, ProbeKind>();
for (const f of readdirSync(DIR).filter((x) => x.endsWith('.ts') && x !== 'registry.ts').sort()) {
  const mod = (await import(pathToFileURL(join(DIR, f)).href)) as { probe?: ProbeKind };
  if (!mod.probe) continue;
  if (PROBES.has(mod.probe.kind)) throw new Error(`power probe kind "${mod.probe.kind}" defined twice (${f})`);
  PROBES.set(mod.probe.kind, mod.probe);
}

export function probeKinds(): string[] {
  return [...PROBES.keys()].sort();
}

export function probeKindFor(kind: string): ProbeKind {
  const p = PROBES.get(kind);
  if (!p) throw new Error(`no power probe driver "${kind}" (have: ${probeKinds().join(', ')})`);
  return p;
}

/** The rack file's probe of one board (what BoardSlot carries), opened, powered and sampling;
 * undefined when the board has none. */
export async function startBoardProbe(boardId: string, probe: (ProbeSettings & { kind: string; port?: string }) | undefined,
  foundPort: string | undefined): Promise<PowerProbe | undefined> {
  if (!probe) return undefined;
  const port = probe.port ?? foundPort;
  if (!port) throw new Error(`board ${boardId}: its ${probe.kind} probe (serial ${probe.serialNumber}) is not plugged in`);
  const p = await probeKindFor(probe.kind).open(port, probe);
  await p.init();
  await p.start();
  return p;
}
