// The backends, imported statically (issue 10: no loading by file path at run time, so the
// bundle, the type checker and a reader all see the same list). Every backend is one file here
// exporting `backend` (a BackendModule); adding one is that file, its import line below, and its
// name in wire/vocabulary.ts BACKENDS — the lab's list that the wire validators and the CLI check
// against without loading the compiler (wire/ may not import firmware/). The two lists are
// checked against each other here, at load, in both directions, and
// test/firmware/backend-registry.test.ts checks that every file of this folder is imported.
import { BACKENDS } from '../../../wire/vocabulary.ts';
import { registerBackend, registeredBackends } from './registry.ts';
import { backend as aot } from './aot.ts';
import { backend as tflm } from './tflm.ts';
import { backend as tflmCmsisNn } from './tflm-cmsis-nn.ts';

for (const b of [aot, tflm, tflmCmsisNn]) registerBackend(b);

const unbuilt = BACKENDS.filter((b) => !registeredBackends().includes(b));
if (unbuilt.length) throw new Error(`wire/vocabulary.ts BACKENDS names ${unbuilt.join(', ')} but no file in firmware/build/backends/ exports it as \`backend\``);

/** The files of this folder that are not backends: the registry, the interface, code the TFLM backends share. */
export const NOT_BACKEND_FILES = ['index.ts', 'registry.ts', 'types.ts', 'tflm-common.ts'] as const;

export { getBackend, registeredBackends } from './registry.ts';
export type { BackendModule, BackendModel, Generated, GenerateInput, LinkInputs, TilingFeatures } from './types.ts';
