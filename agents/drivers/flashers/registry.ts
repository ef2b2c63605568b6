// Flasher drivers by kind: every file in this folder that exports `flasher` (besides the
// interface in flasher.ts). A new flashing tool is a new file here; nothing else changes.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Flasher } from './flasher.ts';

const DIR = dirname(fileURLToPath(import.meta.url));
const NOT_DRIVERS = new Set(['flasher.ts', 'registry.ts']);

const FLASHERS = new Map<string, Flasher>();
for (const f of readdirSync(DIR).filter((x) => x.endsWith('.ts') && !NOT_DRIVERS.has(x)).sort()) {
  const mod = (await import(pathToFileURL(join(DIR, f)).href)) as { flasher?: Flasher };
  if (!mod.flasher) throw new Error(`flasher driver ${f} does not export "flasher"`);
  if (FLASHERS.has(mod.flasher.kind)) throw new Error(`flasher kind "${mod.flasher.kind}" defined twice (${f})`);
  FLASHERS.set(mod.flasher.kind, mod.flasher);
}

export function flasherFor(kind: string): Flasher {
  const f = FLASHERS.get(kind);
  if (!f) throw new Error(`no flasher driver "${kind}" (have: ${[...FLASHERS.keys()].join(', ')})`);
  return f;
}

export function flasherKinds(): string[] {
  return [...FLASHERS.keys()];
}
