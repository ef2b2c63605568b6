// `tinyrack plan <model>`: lay out a model's activations in one arena and show where each
// buffer goes, with the lower bound and TFLite-Micro's figure beside ours. The work is in
// firmware/plan/report.ts; this file only maps options.
import { Option, type Command } from 'commander';
import { loadModel } from '../../firmware/model/reader.ts';
import { resolveModel } from '../../firmware/model-set/index.ts';
import { plannerNames } from '../../firmware/plan/registry.ts';
import { formatPlanReport, planReport } from '../../firmware/plan/report.ts';
import { runTiledPlan, wantsTiling, type TilingCliOptions } from '../tiling-options.ts';
import { options } from '../options.ts';
import { runBackendPlan, DEFAULT_PLAN_BOARD, type BackendPlanCliOptions } from './plan-backend.ts';

export interface PlanCliOptions {
  planner?: string;
  order: 'model' | 'optimized';
  timeLimit?: string;
  aliasReshape?: boolean;
  streaming?: boolean;
  json?: boolean;
}

/** Turns the parsed CLI options into planGraph options (shared with extensions of `plan`). */
export function planOptionsFromCli(opts: PlanCliOptions) {
  let timeLimitMs: number | undefined;
  if (opts.timeLimit !== undefined) {
    timeLimitMs = Number(opts.timeLimit);
    if (!Number.isFinite(timeLimitMs) || timeLimitMs < 0) throw new Error(`--time-limit must be a number of ms, got "${opts.timeLimit}"`);
  }
  const streaming = opts.streaming === true;
  // Streaming pairs want a planner that tries more than TFLM's size order (planners/heuristic.ts).
  const planner = opts.planner ?? (streaming ? 'heuristic' : 'greedy');
  return { planner, order: opts.order, timeLimitMs, aliasReshape: opts.aliasReshape ?? false, streaming };
}

export function register(program: Command): void {
  program.command('plan')
    .description('plan activation memory: buffer offsets in one arena, peak bytes, lower bound')
    .argument('<model>', 'path to a .tflite file or the name of a model in the model set')
    .addOption(new Option('--planner <name>', 'memory planner (default greedy; heuristic with --streaming)').choices(plannerNames()))
    .addOption(new Option('--order <mode>', 'execution order: the model\'s, or the one with least live memory')
      .choices(['model', 'optimized']).default('model'))
    .option('--time-limit <ms>', 'time limit for the exact planner (default 2000)')
    .option('--alias-reshape', 'let RESHAPE/SQUEEZE outputs share their input buffer (TFLM does not)')
    .option('--streaming', 'let op outputs overlap the input they read last, lagging it as the AoT kernels need (TFLM cannot)')
    .option('--json', 'print the plan as JSON')
    // Tiling (firmware/tiling): rewrite the graph to cut the peak, then plan the tiled graph.
    .addOption(options.tiling(undefined, 'tile before planning'))
    .option('--max-mac-overhead <fraction>', 'extra MACs tiling may add, e.g. 0.1 or 10% (default 0.1; fdt adds none)')
    .option('--ram-budget <bytes>', 'arena bytes to fit in (e.g. 40000, 40k, 39KiB): smallest MAC overhead that fits')
    .option('--export <file.tflite>', 'write the tiled model with its plan as OfflineMemoryAllocation metadata')
    .option('--svg <file.svg>', 'draw the memory layout before and after tiling')
    // Backend view: the arena a build with that backend reserves, by the build's own code path.
    .addOption(options.backend(undefined, 'print the arena this backend\'s build reserves; plans as its build does'))
    .option('--board <id>', `with --backend: the board the build targets (default ${DEFAULT_PLAN_BOARD})`)
    .action(async (modelArg: string, opts: PlanCliOptions & TilingCliOptions & { backend?: string; board?: string }) => {
      if (opts.backend !== undefined) {
        process.stdout.write(await runBackendPlan(modelArg, opts as unknown as BackendPlanCliOptions));
        return;
      }
      if (opts.board !== undefined) throw new Error('--board needs --backend (it says which build to plan for)');
      const { name, path } = resolveModel(modelArg);
      if (wantsTiling(opts)) {
        runTiledPlan(loadModel(path), name, opts);
        return;
      }
      const { report } = planReport(loadModel(path), name, planOptionsFromCli(opts));
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatPlanReport(report));
    });
}
