// `tinyrack inspect <model>`: what a .tflite contains — ops with their shapes and MACs, weight
// bytes and activation bytes — as a table or (--json) as data.
import type { Command } from 'commander';
import { loadModel } from '../../firmware/model/reader.ts';
import { summarizeGraph, type ModelSummary, type TensorRef } from '../../firmware/model/summary.ts';
import { resolveModel } from '../../firmware/model-set/index.ts';

export function register(program: Command): void {
  program.command('inspect')
    .description('show a model\'s ops, shapes, MACs per op, weight bytes and activation bytes')
    .argument('<model>', 'path to a .tflite file or the name of a model in the model set')
    .option('--json', 'print the same data as JSON')
    .action((modelArg: string, opts: { json?: boolean }) => {
      const { name, path } = resolveModel(modelArg);
      const summary = summarizeGraph(loadModel(path));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ model: name, path, ...summary }, null, 2)}\n`);
      } else {
        process.stdout.write(formatSummary(name, path, summary));
      }
    });
}

const shape = (t: TensorRef): string => `${t.dtype}[${t.shape.join('x')}]`;
const num = (n: number): string => n.toLocaleString('en-US');

function table(header: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells
    .map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatSummary(name: string, path: string, s: ModelSummary): string {
  const out: string[] = [];
  out.push(`model ${name} (${path})${s.description ? ` — ${s.description}` : ''}`);
  out.push(`inputs: ${s.inputs.map(shape).join(', ')}   outputs: ${s.outputs.map(shape).join(', ')}`);
  out.push('');
  out.push(table(
    ['#', 'op', 'activation inputs', 'constants', 'output', 'MACs', 'weight B'],
    s.ops.map((o) => [
      String(o.index), o.kind,
      o.inputs.filter((t) => !t.constant).map(shape).join(' '),
      o.inputs.filter((t) => t.constant).map(shape).join(' '),
      o.outputs.map(shape).join(' '),
      num(o.macs), num(o.weightBytes),
    ]),
    new Set([0, 5, 6]),
  ));
  out.push('');
  out.push(table(
    ['tensor', 'activation', 'bytes'],
    s.activations.map((a) => [String(a.id), `${a.dtype}[${a.shape.join('x')}]`, num(a.bytes)]),
    new Set([0, 2]),
  ));
  out.push('');
  out.push(`ops: ${s.ops.length} (${Object.entries(s.opCounts).map(([k, n]) => `${k} ${n}`).join(', ')})`);
  out.push(`total MACs: ${num(s.totalMacs)}   (other arithmetic ops: ${num(s.totalOps - 2 * s.totalMacs)})`);
  out.push(`weight bytes: ${num(s.weightBytes)}`);
  out.push(`activation bytes: ${num(s.activationBytes)} over ${s.activations.length} tensors (sum, before memory planning)`);
  if (s.metadata.length) out.push(`metadata: ${s.metadata.map((m) => `${m.name} (${m.bytes} B)`).join(', ')}`);
  return `${out.join('\n')}\n`;
}
