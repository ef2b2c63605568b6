// Every backend is one file in this folder exporting `backend` (a BackendModule). This module
// imports every file here and registers what they export: adding a backend is adding its file.
// Its name must also be in wire/vocabulary.ts BACKENDS, the lab's list that the wire validators
// and the CLI check against without loading the compiler (wire/ may not import firmware/); the
// two are checked against each other here, at load, in both directions.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BACKENDS } from '../../../wire/vocabulary.ts';
import { registerBackend, registeredBackends } from './registry.ts';
import type { BackendModule } from './types.ts';

const DIR = dirname(fileURLToPath(import.meta.url));
/** The files here that are not backends: the registry, the interface, code the TFLM backends share. */
const NOT_BACKENDS = new Set(['index.ts', 'registry.ts', 'types.ts', 'tflm-common.ts']);
for (const f of readdirSync(DIR).filter((x) => x.endsWith('.ts') && !NOT_BACKENDS.has(x)).sort()) {
  const mod = (await import(pathToFileURL(join(DIR, f)).href)) as { backend?: BackendModule };
  if (!mod.backend) throw new Error(`backend file ${f} does not export "backend"`);
  registerBackend(mod.backend);
}
const unbuilt = BACKENDS.filter((b) => !registeredBackends().includes(b));
if (unbuilt.length) throw new Error(`wire/vocabulary.ts BACKENDS names ${unbuilt.join(', ')} but no file in firmware/build/backends/ exports it as \`backend\``);

export { getBackend, registeredBackends } from './registry.ts';
export type { BackendModule, BackendModel, Generated, GenerateInput, LinkInputs, TilingFeatures } from './types.ts';
