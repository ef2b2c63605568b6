// `tinyrack run`: build and run every combination of models x boards x tilings x backends x arithmetics on
// virtual boards (QEMU, host), check outputs against the reference, print one table
// (or --json / --csv). Configurations run in parallel; a failing one does not stop the others.
import type { Command } from 'commander';
import { DEFAULT_ARITHMETIC, DEFAULT_BACKEND, DEFAULT_OPTIMIZE, OPTIMIZE_GOALS } from '../../wire/vocabulary.ts';
import { expandConfigs, runMany, DEFAULT_RUN_TIMEOUT_MS } from '../../firmware/runner/index.ts';
import { formatCsv, formatTable } from '../run-table.ts';
import { printRows, progressBar } from '../matrix-output.ts';
import { getBoard } from '../../boards/index.ts';
import { checkArithmeticFits, list, options, parseCount, parseMatrix, parseOne } from '../options.ts';
import { formatProfile } from '../../firmware/runner/profile.ts';

interface RunCliOptions {
  profile?: boolean;
  model: string; board: string; tiling: string; backend: string; arithmetic: string; reps: string;
  timeout: string; parallel?: string; json?: boolean; csv?: boolean; optimize: string;
}

export function register(program: Command): void {
  program.command('run')
    .description('build and run models on virtual boards (QEMU, host); one table of counts, latency, memory, output check')
    .addOption(options.models())
    .addOption(options.virtualBoards())
    .addOption(options.tilings('none'))
    .addOption(options.backends(DEFAULT_BACKEND))
    .addOption(options.arithmetics(DEFAULT_ARITHMETIC))
    .addOption(options.optimize(DEFAULT_OPTIMIZE))
    .addOption(options.reps('3'))
    .addOption(options.timeout(DEFAULT_RUN_TIMEOUT_MS))
    .addOption(options.parallel())
    .option('--profile', 'build with per-op counters: print per op its kind, shapes, MACs, count, count per MAC and share (in --json: row.profile)')
    .addOption(options.json())
    .addOption(options.csv())
    .action(async (o: RunCliOptions) => {
      const { tilings, backends, arithmetics } = parseMatrix(o);
      checkArithmeticFits(backends, arithmetics);
      const boards = list(o.board);
      for (const id of boards) {
        const b = await getBoard(id);
        if (!b.virtual) throw new Error(`board ${id} is physical: \`run\` drives virtual boards; use \`tinyrack request\` for the lab`);
      }
      const models = list(o.model);
      if (!models.length) throw new Error('--model needs at least one model');
      const optimize = parseOne(o.optimize, OPTIMIZE_GOALS, 'optimize');
      const configs = expandConfigs(models, boards, tilings, backends, parseCount('reps', o.reps, 1), arithmetics).map((c) => ({ ...c, optimize }));
      const bar = progressBar('run', o);
      bar?.start(configs.length, 0, { last: '' });
      const rows = await runMany(o.profile ? configs.map((c) => ({ ...c, profile: true })) : configs, {
        timeoutMs: parseCount('timeout', o.timeout, 1),
        ...(o.parallel ? { parallel: parseCount('parallel', o.parallel, 1) } : {}),
        onDone: (r) => bar?.increment({ last: `${r.model}@${r.board}/${r.tiling}/${r.arithmetic} ${r.ok ? 'ok' : 'FAILED'}` }),
      });
      bar?.stop();
      printRows(rows, o, formatCsv, formatTable);
      if (!o.json && !o.csv) {
        for (const r of rows) {
          if (r.profile) process.stdout.write(`\n${formatProfile(`${r.model} on ${r.board} (${r.backend}, tiling ${r.tiling}, ${r.arithmetic})`, r.profile)}`);
        }
      }
      if (rows.some((r) => !r.ok)) process.exitCode = 1;
    });
}
