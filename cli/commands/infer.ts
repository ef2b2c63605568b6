// `tinyrack infer <model> --input a.bin[,b.bin...]`: runs the reference interpreter on raw input
// files and prints the model outputs (in their own dtypes: int8 stays int8, not dequantized).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DTYPE_BYTES, numElements, type Graph, type Tensor } from '../../firmware/ir/graph.ts';
import { runGraph, type Arithmetic, type TensorData } from '../../firmware/interp/interpreter.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { resolveModel } from '../../firmware/model-set/index.ts';
import { tileFromCli } from '../tiling-options.ts';
import { options } from '../options.ts';

export interface InferOptions {
  input: string;
  json?: boolean;
  arithmetic?: string;
  /** Tiling (firmware/tiling): run the rewritten graph instead of the model's own. */
  tiling?: string;
  maxMacOverhead?: string;
  ramBudget?: string;
}

export interface InferResult {
  input: string;
  outputs: number[][];
}

const HELP_AFTER = `
Input files hold the raw values of the model's input tensor in its dtype, little-endian
(int8 models: one byte per value; float32 models: 4-byte floats), exactly
numElements x dtype-size bytes. Several files separated by commas run one inference each.
A model with several inputs takes one file per input joined with "+" (a.bin+b.bin).

--json output:
  one input file:   {"outputs": [[v, ...], ...]}            one array per model output
  several files:    {"results": [{"input": "a.bin", "outputs": [[v, ...], ...]}, ...]}
Values are in the output tensor's dtype: int8 outputs are integers (not dequantized),
float32 outputs are numbers.

--arithmetic selects the integer arithmetic the int8 kernels reproduce:
  xnnpack    (default) TensorFlow Lite's CPU path with the XNNPACK delegate; this is what the
             model-set golden outputs were produced with
  reference  TFLite's integer reference kernels (fixed-point requantization)
  tflm       reference, with TFLite-Micro's fixed-point int8 softmax (not checked against a
             TFLite-Micro build; int8 LOGISTIC, TANH and MEAN are refused)
`;

export function register(program: Command): void {
  program.command('infer')
    .description('run a model in the reference interpreter on raw input files and print its outputs')
    .argument('<model>', 'path to a .tflite file or the name of a model in the model set')
    .requiredOption('--input <files>', 'raw input file(s), comma-separated; "+" joins the inputs of a multi-input model')
    .option('--arithmetic <kind>', 'integer arithmetic: xnnpack | reference | tflm', 'xnnpack')
    .option('--json', 'print the outputs as JSON (shape described below)')
    .addOption(options.tiling(undefined, 'run the tiled graph'))
    .option('--max-mac-overhead <fraction>', 'extra MACs tiling may add (default 0.1)')
    .option('--ram-budget <bytes>', 'arena bytes the tiled plan must fit in')
    .addHelpText('after', HELP_AFTER)
    .action(async (modelArg: string, opts: InferOptions) => {
      const graph = await prepareGraph(modelArg, opts);
      const results = inferFiles(graph, splitList(opts.input), arithmeticOf(opts.arithmetic));
      if (opts.json) {
        const doc = results.length === 1 ? { outputs: results[0]!.outputs } : { results };
        process.stdout.write(`${JSON.stringify(doc)}\n`);
      } else {
        process.stdout.write(formatResults(graph, results));
      }
    });
}

/**
 * Loads the graph the command runs. Options that change the graph before inference (e.g. a
 * future --tiling <mode>) belong here, so the rest of the command stays the same.
 */
export async function prepareGraph(modelArg: string, opts: InferOptions): Promise<Graph> {
  const { path } = resolveModel(modelArg);
  const graph = loadModel(path);
  if (opts.tiling === undefined && opts.maxMacOverhead === undefined && opts.ramBudget === undefined) return graph;
  return tileFromCli(graph, opts).graph;
}

function arithmeticOf(value: string | undefined): Arithmetic {
  const v = value ?? 'xnnpack';
  if (v !== 'xnnpack' && v !== 'reference' && v !== 'tflm') throw new Error(`--arithmetic must be xnnpack, reference or tflm, got "${v}"`);
  return v;
}

function splitList(list: string): string[] {
  const files = list.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (files.length === 0) throw new Error('--input needs at least one file');
  return files;
}

/** Decodes a raw little-endian file into the typed array of a tensor's dtype, checking the size. */
export function decodeInput(bytes: Uint8Array, t: Tensor, file: string): TensorData {
  const count = numElements(t.shape);
  const need = count * DTYPE_BYTES[t.dtype];
  if (bytes.byteLength !== need) {
    throw new Error(`${file}: ${bytes.byteLength} bytes, but input "${t.name}" (${t.dtype}[${t.shape.join('x')}]) needs ${need} bytes`);
  }
  const copy = new Uint8Array(bytes); // aligned copy
  switch (t.dtype) {
    case 'int8': return new Int8Array(copy.buffer);
    case 'uint8': case 'bool': return copy;
    case 'int16': return new Int16Array(copy.buffer);
    case 'int32': return new Int32Array(copy.buffer);
    case 'float32': return new Float32Array(copy.buffer);
    case 'int64': return new BigInt64Array(copy.buffer);
  }
}

export function inferFiles(graph: Graph, runs: string[], arithmetic: Arithmetic = 'xnnpack'): InferResult[] {
  return runs.map((run) => {
    const files = run.split('+');
    if (files.length !== graph.inputs.length) {
      throw new Error(`the model has ${graph.inputs.length} input(s), "${run}" names ${files.length} file(s)`);
    }
    const inputs = files.map((file, i) => {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw new Error(`cannot read input file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      return decodeInput(bytes, graph.tensors[graph.inputs[i]!]!, file);
    });
    const outputs = runGraph(graph, inputs, { arithmetic });
    return { input: run, outputs: outputs.map((o) => Array.from(o as ArrayLike<number | bigint>, Number)) };
  });
}

function formatResults(graph: Graph, results: InferResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`input ${r.input}`);
    r.outputs.forEach((values, i) => {
      const t = graph.tensors[graph.outputs[i]!]!;
      let best = 0;
      values.forEach((v, k) => { if (v > values[best]!) best = k; });
      const shown = values.length > 32 ? `${values.slice(0, 32).join(' ')} ... (${values.length} values)` : values.join(' ');
      lines.push(`  output ${i} "${t.name}" ${t.dtype}[${t.shape.join('x')}]  argmax ${best}`);
      lines.push(`    ${shown}`);
    });
  }
  return `${lines.join('\n')}\n`;
}
