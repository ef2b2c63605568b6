// `tinyrack compare`: which stack for this model on this board? Every combination of the lists
// that can run here, in one table (or --json / --csv), with the fastest, the least RAM and the
// Pareto set per model and board; --html writes a self-contained page with a RAM-versus-speed
// chart per model. The work is in firmware/compare/; this file maps options and prints.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { runCompare } from '../../firmware/compare/index.ts';
import { formatCompareCsv, formatCompareTable } from '../../firmware/compare/format.ts';
import { compareHtml } from '../../firmware/compare/html.ts';
import { DEFAULT_RUN_TIMEOUT_MS } from '../../firmware/runner/index.ts';
import { ARITHMETICS, BACKENDS, DEFAULT_OPTIMIZE, OPTIMIZE_GOALS, parseList, TILING_MODES } from '../../wire/vocabulary.ts';
import { parseCount } from './build.ts';

interface CompareCliOptions {
  model: string; board: string; backend: string; tiling: string; arithmetic: string; reps: string;
  timeout: string; optimize: string; parallel?: string; json?: boolean; csv?: boolean; html?: string;
}

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

export function register(program: Command): void {
  program.command('compare')
    .description('compare backends, tilings and arithmetics per model and board: counts, latency, on-device RAM, ROM, outputs; best and Pareto set')
    .requiredOption('--model <list>', 'comma-separated model-set names or .tflite paths')
    .requiredOption('--board <list>', 'comma-separated virtual board ids')
    .option('--backend <list>', `comma-separated backends (${BACKENDS.join('|')})`, BACKENDS.join(','))
    .option('--tiling <list>', `comma-separated tiling modes (${TILING_MODES.join('|')})`, 'none,auto')
    .option('--arithmetic <list>', `comma-separated arithmetics (${ARITHMETICS.join('|')})`, 'reference')
    .option('--optimize <list>', `comma-separated AoT kernel goals (${OPTIMIZE_GOALS.join('|')}): speed needs more ROM and stack, size keeps the int8 kernels`, DEFAULT_OPTIMIZE)
    .option('--reps <n>', 'timed inferences per run', '1')
    .option('--timeout <ms>', 'per-run limit; a hung board fails its configuration', String(DEFAULT_RUN_TIMEOUT_MS))
    .option('--parallel <n>', 'runs at once (default: cores)')
    .option('--json', 'print the rows as JSON')
    .option('--csv', 'print the rows as CSV')
    .option('--html <file>', 'also write a self-contained HTML page (table + RAM-vs-speed chart per model)')
    .action(async (o: CompareCliOptions) => {
      const showBar = !o.json && !o.csv && process.stderr.isTTY;
      const bar = showBar ? new SingleBar({ stream: process.stderr, format: 'compare [{bar}] {value}/{total} {last}' }, Presets.shades_classic) : undefined;
      const rows = await runCompare({
        models: list(o.model), boards: list(o.board),
        backends: parseList(o.backend, BACKENDS, 'backend'), tilings: parseList(o.tiling, TILING_MODES, 'tiling'),
        arithmetics: parseList(o.arithmetic, ARITHMETICS, 'arithmetic'), optimizes: parseList(o.optimize, OPTIMIZE_GOALS, 'optimize'),
        reps: parseCount('reps', o.reps, 1), timeoutMs: parseCount('timeout', o.timeout, 1),
        ...(o.parallel ? { parallel: parseCount('parallel', o.parallel, 1) } : {}),
        onStart: (runs) => bar?.start(runs, 0, { last: '' }),
        onDone: (r) => bar?.increment({ last: `${r.model}@${r.board}/${r.backend}/${r.tiling} ${r.status}` }),
      });
      bar?.stop();
      if (o.html) writeFileSync(o.html, compareHtml(rows, { generatedAt: new Date().toISOString() }));
      if (o.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else if (o.csv) process.stdout.write(formatCompareCsv(rows));
      else process.stdout.write(formatCompareTable(rows));
      if (rows.some((r) => r.status === 'failed')) process.exitCode = 1;
    });
}
