// Per-op instruction profile of AoT firmware on QEMU mps2-an386 (Cortex-M4): the model is
// generated with `profileOps` (a counter read after every op), built through the build
// pipeline as a prepared model, run once, and the PROFOP records are tabulated with each op's
// MACs (raw counter differences, one counter read included; `tinyrack run --profile` is the
// user-facing form). A development tool, not a test:
//   node --import tsx tools/profile-qemu.ts [--arithmetic xnnpack] model [...]
import { opMacs } from '../firmware/ir/macs.ts';
import type { AotArithmetic } from '../firmware/codegen/aot/index.ts';
import { buildAotForQemu, runQemu } from './qemu-aot.ts';

const args = process.argv.slice(2);
let arithmetic: AotArithmetic = 'reference';
const ai = args.indexOf('--arithmetic');
if (ai >= 0) { arithmetic = args[ai + 1] as AotArithmetic; args.splice(ai, 2); }
for (const model of args.length ? args : ['aww', 'vww', 'micro_speech']) {
  const { build, graph } = await buildAotForQemu(model, { arithmetic, profileOps: true });
  const stdout = await runQemu(build.elfPath);
  const rows = [...stdout.matchAll(/PROFOP n=\d+ op=(\d+) kind=(\w+) count=(\d+)/g)].map((m) => ({ op: Number(m[1]), kind: m[2]!, count: Number(m[3]) }));
  const total = rows.reduce((a, r) => a + r.count, 0);
  const macsTotal = graph.ops.reduce((a, op) => a + opMacs(graph, op), 0);
  console.log(`\n${model} (${arithmetic}): ${total} instructions (sum over ops, counter resolution 40), ${macsTotal} MACs, ${(total / macsTotal).toFixed(2)} instr/MAC`);
  console.log('| op | kind | shape in -> out, filter | instructions | MACs | instr/MAC | share |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const op = graph.ops[r.op]!;
    const macs = opMacs(graph, op);
    const shp = (id: number | undefined) => (id === undefined || id < 0 ? '' : `[${graph.tensors[id]!.shape}]`);
    console.log(`| ${r.op} | ${r.kind} | ${shp(op.inputs[0])} -> ${shp(op.outputs[0])} ${op.kind.includes('CONV') || op.kind === 'FULLY_CONNECTED' ? shp(op.inputs[1]) : ''} | ${r.count} | ${macs} | ${macs ? (r.count / macs).toFixed(2) : '-'} | ${(100 * r.count / total).toFixed(1)}% |`);
  }
}
