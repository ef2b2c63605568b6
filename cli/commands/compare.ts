// `tinyrack compare`: which stack for this model on this board? Every combination of the lists
// that can run here, in one table (or --json / --csv), with the fastest, the least RAM and the
// Pareto set per model and board; --html writes a self-contained page with a RAM-versus-speed
// chart per model. The work is in firmware/compare/; this file maps options and prints.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { runCompare } from '../../firmware/compare/index.ts';
import { formatCompareCsv, formatCompareTable } from '../../firmware/compare/format.ts';
import { compareHtml } from '../../firmware/compare/html.ts';
import { DEFAULT_RUN_TIMEOUT_MS } from '../../firmware/runner/index.ts';
import { BACKENDS, DEFAULT_ARITHMETIC, DEFAULT_OPTIMIZE, OPTIMIZE_GOALS } from '../../wire/vocabulary.ts';
import { printRows, progressBar } from '../matrix-output.ts';
import { list, options, parseCount, parseList, parseMatrix } from '../options.ts';

interface CompareCliOptions {
  model: string; board: string; backend: string; tiling: string; arithmetic: string; reps: string;
  timeout: string; optimize: string; parallel?: string; json?: boolean; csv?: boolean; html?: string;
}

export function register(program: Command): void {
  program.command('compare')
    .description('compare backends, tilings and arithmetics per model and board: counts, latency, on-device RAM, ROM, outputs; best and Pareto set')
    .addOption(options.models())
    .addOption(options.virtualBoards())
    .addOption(options.backends(BACKENDS.join(',')))
    .addOption(options.tilings('none,auto'))
    .addOption(options.arithmetics(DEFAULT_ARITHMETIC))
    .addOption(options.optimizes(DEFAULT_OPTIMIZE))
    .addOption(options.reps('1'))
    .addOption(options.timeout(DEFAULT_RUN_TIMEOUT_MS))
    .addOption(options.parallel())
    .addOption(options.json())
    .addOption(options.csv())
    .option('--html <file>', 'also write a self-contained HTML page (table + RAM-vs-speed chart per model)')
    .action(async (o: CompareCliOptions) => {
      const bar = progressBar('compare', o);
      const rows = await runCompare({
        models: list(o.model), boards: list(o.board),
        ...parseMatrix(o), optimizes: parseList(o.optimize, OPTIMIZE_GOALS, 'optimize'),
        reps: parseCount('reps', o.reps, 1), timeoutMs: parseCount('timeout', o.timeout, 1),
        ...(o.parallel ? { parallel: parseCount('parallel', o.parallel, 1) } : {}),
        onStart: (runs) => bar?.start(runs, 0, { last: '' }),
        onDone: (r) => bar?.increment({ last: `${r.model}@${r.board}/${r.backend}/${r.tiling} ${r.status}` }),
      });
      bar?.stop();
      if (o.html) writeFileSync(o.html, compareHtml(rows, { generatedAt: new Date().toISOString() }));
      printRows(rows, o, formatCompareCsv, formatCompareTable);
      if (rows.some((r) => r.status === 'failed')) process.exitCode = 1;
    });
}
