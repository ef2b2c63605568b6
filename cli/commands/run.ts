// `tinyrack run`: build and run every combination of models x boards x tilings x backends x arithmetics on
// virtual boards (QEMU, host), check outputs against the reference, print one table
// (or --json / --csv). Configurations run in parallel; a failing one does not stop the others.
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { ARITHMETICS, arithmeticFitsBackend, tflmArithmeticNote, BACKENDS, parseList, TILING_MODES } from '../../wire/vocabulary.ts';
import { DEFAULT_OPTIMIZE, OPTIMIZE_GOALS } from '../../wire/vocabulary.ts';
import { expandConfigs, runMany, DEFAULT_RUN_TIMEOUT_MS } from '../../firmware/runner/index.ts';
import { formatCsv, formatTable } from '../run-table.ts';
import { getBoard } from '../../boards/index.ts';
import { parseCount } from './build.ts';
import { formatProfile } from '../../firmware/runner/profile.ts';

interface RunCliOptions {
  profile?: boolean;
  model: string; board: string; tiling: string; backend: string; arithmetic: string; reps: string;
  timeout: string; parallel?: string; json?: boolean; csv?: boolean; optimize: string;
}

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

export function register(program: Command): void {
  program.command('run')
    .description('build and run models on virtual boards (QEMU, host); one table of counts, latency, memory, output check')
    .requiredOption('--model <list>', 'comma-separated model-set names or .tflite paths')
    .requiredOption('--board <list>', 'comma-separated virtual board ids')
    .option('--tiling <list>', `comma-separated tiling modes (${TILING_MODES.join('|')})`, 'none')
    .option('--backend <list>', `comma-separated backends (${BACKENDS.join('|')})`, 'aot')
    .option('--arithmetic <list>', `comma-separated AoT int8 arithmetics (${ARITHMETICS.join('|')}); xnnpack equals the golden files, aot backend only`, 'reference')
    .option('--optimize <goal>', `AoT kernels (${OPTIMIZE_GOALS.join('|')}): speed lays weights out for the fastest kernels (up to 2x weight ROM on DSP cores)`, DEFAULT_OPTIMIZE)
    .option('--reps <n>', 'timed inferences per run', '3')
    .option('--timeout <ms>', 'per-run limit; a hung board fails its configuration', String(DEFAULT_RUN_TIMEOUT_MS))
    .option('--parallel <n>', 'configurations at once (default: cores)')
    .option('--profile', 'build with per-op counters: print per op its kind, shapes, MACs, count, count per MAC and share (in --json: row.profile)')
    .option('--json', 'print the rows as JSON')
    .option('--csv', 'print the rows as CSV')
    .action(async (o: RunCliOptions) => {
      const tilings = parseList(o.tiling, TILING_MODES, 'tiling');
      const backends = parseList(o.backend, BACKENDS, 'backend');
      const arithmetics = parseList(o.arithmetic, ARITHMETICS, 'arithmetic');
      for (const b of backends) for (const a of arithmetics) {
        if (!arithmeticFitsBackend(b, a)) throw new Error(`arithmetic ${a} needs the aot backend: ${tflmArithmeticNote(b)}`);
      }
      const boards = list(o.board);
      for (const id of boards) {
        const b = await getBoard(id);
        if (!b.virtual) throw new Error(`board ${id} is physical: \`run\` drives virtual boards; use \`tinyrack request\` for the lab`);
      }
      const models = list(o.model);
      if (!models.length) throw new Error('--model needs at least one model');
      const [optimize] = parseList(o.optimize, OPTIMIZE_GOALS, 'optimize');
      const configs = expandConfigs(models, boards, tilings, backends, parseCount('reps', o.reps, 1), arithmetics).map((c) => ({ ...c, optimize }));
      const showBar = !o.json && !o.csv && process.stderr.isTTY;
      const bar = showBar ? new SingleBar({ stream: process.stderr, format: 'run [{bar}] {value}/{total} {last}' }, Presets.shades_classic) : undefined;
      bar?.start(configs.length, 0, { last: '' });
      const rows = await runMany(o.profile ? configs.map((c) => ({ ...c, profile: true })) : configs, {
        timeoutMs: parseCount('timeout', o.timeout, 1),
        ...(o.parallel ? { parallel: parseCount('parallel', o.parallel, 1) } : {}),
        onDone: (r) => bar?.increment({ last: `${r.model}@${r.board}/${r.tiling}/${r.arithmetic} ${r.ok ? 'ok' : 'FAILED'}` }),
      });
      bar?.stop();
      if (o.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else if (o.csv) process.stdout.write(formatCsv(rows));
      else {
        process.stdout.write(formatTable(rows));
        for (const r of rows) {
          if (r.profile) process.stdout.write(`\n${formatProfile(`${r.model} on ${r.board} (${r.backend}, tiling ${r.tiling}, ${r.arithmetic})`, r.profile)}`);
        }
      }
      if (rows.some((r) => !r.ok)) process.exitCode = 1;
    });
}
