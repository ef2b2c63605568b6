// `tinyrack build`: one model for one board -> firmware ELF with its static sizes
// (cached by content; see firmware/build/index.ts).
import { Option, type Command } from 'commander';
import { getBoard } from '../../boards/index.ts';
import { buildFirmware } from '../../firmware/build/index.ts';
import { ARITHMETICS, BACKENDS, DEFAULT_ARITHMETIC, DEFAULT_BACKEND, DEFAULT_OPTIMIZE, DEFAULT_PROTOCOL, OPTIMIZE_GOALS, PROTOCOLS, TILING_MODES } from '../../wire/vocabulary.ts';
import { TIMESTAMP_MODES, type TimestampMode } from '../../wire/mlperf-tiny.ts';
import { options, parseCount, parseOne } from '../options.ts';

interface BuildCliOptions {
  model: string; board: string; backend: string; tiling: string; arithmetic: string;
  reps: string; warmup: string; sample: string; json?: boolean; protocol: string; timestampMode: TimestampMode; optimize: string;
}

export function register(program: Command): void {
  program.command('build')
    .description('build firmware for one model and board (harness + generated model + kernels) and show its sizes')
    .addOption(options.model())
    .requiredOption('--board <id>', 'board definition id (boards/defs/)')
    .addOption(options.backend(DEFAULT_BACKEND))
    .addOption(options.tiling('none'))
    .addOption(options.arithmetic(DEFAULT_ARITHMETIC))
    .addOption(options.protocol(DEFAULT_PROTOCOL))
    .addOption(new Option('--timestamp-mode <mode>', 'mlperf-tiny only: performance = print m-lap-us; energy = pulse the timestamp pin (EnergyRunner)')
      .choices([...TIMESTAMP_MODES]).default('performance'))
    .addOption(options.optimize(DEFAULT_OPTIMIZE))
    .option('--reps <n>', 'timed inferences compiled into the harness', '3')
    .option('--warmup <n>', 'untimed warm-up inferences', '1')
    .option('--sample <n>', 'golden sample compiled in', '0')
    .addOption(options.json('the build result'))
    .action(async (o: BuildCliOptions) => {
      const board = await getBoard(o.board);
      const r = await buildFirmware({
        model: o.model, board: o.board, backend: parseOne(o.backend, BACKENDS, 'backend'), tiling: parseOne(o.tiling, TILING_MODES, 'tiling'),
        arithmetic: parseOne(o.arithmetic, ARITHMETICS, 'arithmetic'), optimize: parseOne(o.optimize, OPTIMIZE_GOALS, 'optimize'),
        reps: parseCount('reps', o.reps, 1), warmup: parseCount('warmup', o.warmup, 0), sample: parseCount('sample', o.sample, 0),
        protocol: parseOne(o.protocol, PROTOCOLS, 'protocol'), ...(o.timestampMode !== 'performance' ? { timestampMode: o.timestampMode } : {}),
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
