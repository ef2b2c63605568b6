// TFLite-Micro's own figures for the model set, measured upstream and copied with their
// provenance into tflm-reference.json (one place for these facts): planner bytes, arena_used
// with reference and CMSIS-NN kernels, instructions per inference for both, and CMSIS-NN
// instructions per MAC. Read by `plan` (planner bytes), bench:memory and bench:speed (labelled
// reference figures where no TFLM tree is present) and tests that check our greedy reproduces
// TFLM's planner. Every figure carries `label()` text: what, which commit, which build type.
import { readFileSync } from 'node:fs';

/** The TFLM backends the reference figures were measured with (keys of arenaUsed/instructions). */
export type TflmReferenceBackend = 'tflm' | 'tflm-cmsis-nn';

interface ModelFigures {
  plannerBytes: number;
  arenaUsed: Partial<Record<TflmReferenceBackend, number>>;
  instructions: Partial<Record<TflmReferenceBackend, number>>;
  cmsisNnInstructionsPerMac?: number;
  note?: string;
}

export interface TflmReference {
  source: string;
  tflmCommit: string;
  cmsisNnCommit: string;
  buildType: string;
  target: string;
  instructionMethod: string;
  arenaMethod: string;
  /** What plannerBytes counts. */
  quantity: string;
  models: Record<string, ModelFigures>;
}

export const TFLM_REFERENCE: TflmReference =
  JSON.parse(readFileSync(new URL('./tflm-reference.json', import.meta.url), 'utf8'));

/** A labelled reference figure: the value and the words that must go with it in any table. */
export interface ReferenceFigure { value: number; label: string }

function label(what: string, backend?: TflmReferenceBackend): string {
  const r = TFLM_REFERENCE;
  const kernels = backend === 'tflm-cmsis-nn' ? `CMSIS-NN ${r.cmsisNnCommit} kernels` : backend === 'tflm' ? 'reference kernels' : '';
  return `reference figure, not measured here: ${what}, TFLM ${r.tflmCommit}${kernels ? ` ${kernels}` : ''}, ${r.buildType}, ${r.target} (${r.source})`;
}

/** TFLM planner bytes for a model of the set, or undefined when not measured (sine_model). */
export function tflmPlannerBytes(model: string): number | undefined {
  return TFLM_REFERENCE.models[model]?.plannerBytes;
}

/** TFLM's arena_used_bytes() for a model with reference ('tflm') or CMSIS-NN kernels. */
export function tflmArenaUsed(model: string, backend: TflmReferenceBackend): ReferenceFigure | undefined {
  const v = TFLM_REFERENCE.models[model]?.arenaUsed[backend];
  return v === undefined ? undefined : { value: v, label: label(`arena_used_bytes() (${TFLM_REFERENCE.arenaMethod})`, backend) };
}

/** Instructions per inference (QEMU -icount, Cortex-M4F) with reference or CMSIS-NN kernels;
 * undefined for the float models (soft-float builds, not comparable) and unmeasured models. */
export function tflmInstructions(model: string, backend: TflmReferenceBackend): ReferenceFigure | undefined {
  const v = TFLM_REFERENCE.models[model]?.instructions[backend];
  return v === undefined ? undefined : { value: v, label: label(`instructions per inference (${TFLM_REFERENCE.instructionMethod})`, backend) };
}

/** CMSIS-NN instructions per MAC as measured upstream (int8 models only). */
export function tflmCmsisNnInstructionsPerMac(model: string): ReferenceFigure | undefined {
  const v = TFLM_REFERENCE.models[model]?.cmsisNnInstructionsPerMac;
  return v === undefined ? undefined : { value: v, label: label('instructions per MAC', 'tflm-cmsis-nn') };
}

/** Models with reference figures. */
export function tflmReferenceModels(): string[] {
  return Object.keys(TFLM_REFERENCE.models);
}
