// Every backend, imported statically: importing this module registers them all.
import './aot.ts';
import './tflm.ts';
import './tflm-cmsis-nn.ts';

export { getBackend, registeredBackends } from './registry.ts';
export type { BackendModule, BackendModel, Generated, GenerateInput, LinkInputs, TilingFeatures } from './types.ts';
