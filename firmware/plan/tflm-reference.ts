// TFLite-Micro's own planner figures for the model set (data and source in the JSON beside
// this file). Used by the benchmark table and by tests checking our greedy reproduces TFLM.
import { readFileSync } from 'node:fs';

interface TflmReference { source: string; quantity: string; plannerBytes: Record<string, number> }

export const TFLM_REFERENCE: TflmReference =
  JSON.parse(readFileSync(new URL('./tflm-reference.json', import.meta.url), 'utf8'));

/** TFLM planner bytes for a model of the set, or undefined when not measured (sine_model). */
export function tflmPlannerBytes(model: string): number | undefined {
  return TFLM_REFERENCE.plannerBytes[model];
}
