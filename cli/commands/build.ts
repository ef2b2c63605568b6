// `tinyrack build`: one model for one board -> firmware ELF with its static sizes
// (cached by content; see firmware/build/index.ts).
import { Option, type Command } from 'commander';
import { getBoard } from '../../boards/index.ts';
import { buildFirmware } from '../../firmware/build/index.ts';
import { ARITHMETICS, BACKENDS, TILING_MODES, type Arithmetic as AotArithmetic, type Backend as BackendName, type TilingMode } from '../../wire/vocabulary.ts';
import { DEFAULT_PROTOCOL, PROTOCOLS, type Protocol } from '../../wire/vocabulary.ts';
import { DEFAULT_OPTIMIZE, OPTIMIZE_GOALS, type OptimizeGoal } from '../../wire/vocabulary.ts';
import { TIMESTAMP_MODES, type TimestampMode } from '../../wire/mlperf-tiny.ts';

interface BuildCliOptions {
  model: string; board: string; backend: BackendName; tiling: TilingMode; arithmetic: AotArithmetic;
  reps: string; warmup: string; sample: string; json?: boolean; protocol: Protocol; timestampMode: TimestampMode; optimize: OptimizeGoal;
}

export function parseCount(what: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${what} must be an integer >= ${min}, got "${v}"`);
  return n;
}

export function register(program: Command): void {
  program.command('build')
    .description('build firmware for one model and board (harness + generated model + kernels) and show its sizes')
    .requiredOption('--model <path|name>', 'a .tflite file or the name of a model in the model set')
    .requiredOption('--board <id>', 'board definition id (boards/defs/)')
    .addOption(new Option('--backend <name>', 'code generator').choices([...BACKENDS]).default('aot'))
    .addOption(new Option('--tiling <mode>', 'tile the graph before planning').choices([...TILING_MODES]).default('none'))
    .addOption(new Option('--arithmetic <mode>', 'AoT int8 arithmetic: reference = TFLite-Micro fixed point; xnnpack = float32 requantization like TFLite on CPU (equals the golden files)')
      .choices([...ARITHMETICS]).default('reference'))
    .addOption(new Option('--protocol <name>', 'host protocol: tr1 = run once and report TR1 records; mlperf-tiny = answer the MLPerf Tiny test-harness commands (inputs from the host)')
      .choices([...PROTOCOLS]).default(DEFAULT_PROTOCOL))
    .addOption(new Option('--timestamp-mode <mode>', 'mlperf-tiny only: performance = print m-lap-us; energy = pulse the timestamp pin (EnergyRunner)')
      .choices([...TIMESTAMP_MODES]).default('performance'))
    .addOption(new Option('--optimize <goal>', 'AoT kernels: speed = weights laid out for the fastest kernels (pre-widened, up to 2x weight ROM on DSP cores); size = int8 weights as in the model')
      .choices([...OPTIMIZE_GOALS]).default(DEFAULT_OPTIMIZE))
    .option('--reps <n>', 'timed inferences compiled into the harness', '3')
    .option('--warmup <n>', 'untimed warm-up inferences', '1')
    .option('--sample <n>', 'golden sample compiled in', '0')
    .option('--json', 'print the build result as JSON')
    .action(async (o: BuildCliOptions) => {
      const board = await getBoard(o.board);
      const r = await buildFirmware({
        model: o.model, board: o.board, backend: o.backend, tiling: o.tiling, arithmetic: o.arithmetic, optimize: o.optimize,
        reps: parseCount('reps', o.reps, 1), warmup: parseCount('warmup', o.warmup, 0), sample: parseCount('sample', o.sample, 0),
        protocol: o.protocol, ...(o.timestampMode !== 'performance' ? { timestampMode: o.timestampMode } : {}),
      });
      if (o.json) {
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      const out = [
        `${r.model} for ${board.name} (${r.backend}, tiling ${r.tiling}, arithmetic ${r.arithmetic}${r.protocol && r.protocol !== DEFAULT_PROTOCOL ? `, protocol ${r.protocol}` : ''})${r.cached ? ' [cached]' : ''}`,
        `  firmware  ${r.elfPath}`,
        `  id        ${r.firmwareHash}`,
        `  outputs   checked against ${r.reference}`,
        `  ROM       ${r.romBytes.toLocaleString('en-US')} bytes of ${board.memory.flash.size.toLocaleString('en-US')}`,
        `  RAM       ${r.ramBytes.toLocaleString('en-US')} bytes of ${board.memory.ram.size.toLocaleString('en-US')} (arena ${r.arenaBytes.toLocaleString('en-US')}, stack ${board.stackBytes.toLocaleString('en-US')})`,
        '  sections:',
        ...r.sections.map((s) => `    ${s.name.padEnd(14)} ${s.bytes.toLocaleString('en-US').padStart(10)}  0x${s.address.toString(16).padStart(8, '0')}  ${[s.rom ? 'ROM' : '', s.ram ? 'RAM' : ''].filter(Boolean).join('+')}`),
        ...(board.notes ?? []).map((n) => `  note: ${n}`),
      ];
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
