// `tinyrack demo`: a whole lab on this machine — InfluxDB, the daemon with its embedded broker, an
// agent with QEMU boards — running the demo suite over the model set, then the result table and
// where the dashboards are.
import type { Command } from 'commander';
import { join } from 'node:path';
import { runDemo, REPO_ROOT, type DemoRow, type DemoSummary } from '../../daemon/demo/demo.ts';

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

export function register(program: Command): void {
  program.command('demo')
    .description('bring up a whole lab on this machine (InfluxDB, daemon, agent with QEMU boards), run the demo suite, print the results')
    .option('-c, --config <file>', 'lab config holding the suite', join(REPO_ROOT, 'provisioning', 'lab.yaml'))
    .option('--suite <name>', 'suite to run', 'demo')
    .option('--models <list>', 'comma-separated models (default: the suite\'s)', list)
    .option('--boards <list>', 'comma-separated virtual board kinds (default: the suite\'s)', list)
    .option('--dir <dir>', 'where the demo lab keeps its data', join(REPO_ROOT, '.cache', 'tinyrack', 'demo'))
    .option('--influx-port <port>', 'InfluxDB HTTP port (default: a free one)', (v) => Number(v))
    .option('--broker-port <port>', 'embedded MQTT broker port (default: a free one)', (v) => Number(v))
    .option('--sim-agent', 'use a simulated agent (protocol peer, made-up figures) instead of QEMU boards')
    .option('--timeout <seconds>', 'give up on the suite after this long', (v) => Number(v), 1800)
    .option('--serve', 'keep the lab running afterwards (cron suites on) until Ctrl-C')
    .option('--json', 'print the summary as JSON at the end')
    .action(async (o: { config: string; suite: string; models?: string[]; boards?: string[]; dir: string; influxPort?: number; brokerPort?: number; simAgent?: boolean; timeout: number; serve?: boolean; json?: boolean }) => {
      const say = (l: string) => process.stderr.write(`${l}\n`);
      const lab = await runDemo({
        root: o.dir, labConfig: o.config, suite: o.suite, ...(o.models ? { models: o.models } : {}), ...(o.boards ? { boards: o.boards } : {}),
        agent: o.simAgent ? 'sim' : 'real', ...(o.influxPort ? { influxPort: o.influxPort } : {}), ...(o.brokerPort ? { brokerPort: o.brokerPort } : {}),
        serve: Boolean(o.serve), timeoutMs: o.timeout * 1000, log: o.json ? () => {} : say,
        onJob: (job, done, total) => {
          if (o.json) return;
          const r = job.result;
          const what = job.state === 'done' && r?.metrics ? `${r.metrics.count} ${r.metrics.counter}` : `failed: ${(job.error ?? r?.error ?? '').split('\n')[0]!.slice(0, 120)}`;
          say(`[${String(done).padStart(3)}/${total}] ${job.model.name} ${job.boardKind} ${job.backend}/${job.tiling}: ${what}`);
        },
      });
      const s = lab.summary;
      if (o.json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      else process.stdout.write(`${table(s.rows)}\n\n${footer(s)}\n`);
      if (o.serve) {
        say(`\nserving: broker ${s.broker}, InfluxDB ${s.influxdb.url} — Ctrl-C to stop`);
        await new Promise<void>((resolve) => { process.once('SIGINT', () => resolve()); process.once('SIGTERM', () => resolve()); });
      }
      await lab.stop();
      if (s.failed > 0 || s.resultsInInfluxdb !== s.done) process.exitCode = 1;
    });
}

function table(rows: DemoRow[]): string {
  const head = ['model', 'board', 'backend', 'tiling', 'status', 'count', 'latency us', 'energy uJ', 'arena B', 'rom B', 'ram B', 'outputs'];
  const body = rows.map((r) => [
    r.model, r.board, r.backend, r.tiling, r.status, r.count !== undefined ? `${r.count} ${r.counter === 'instructions' ? 'instr' : 'cyc'}` : '',
    r.latencyUs !== undefined ? r.latencyUs.toFixed(0) : '', r.energyUj !== undefined ? `${r.energyUj.toFixed(1)}${r.energyEstimated ? ' (est.)' : ''}` : '',
    r.arenaBytes?.toString() ?? '', r.romBytes?.toString() ?? '', r.ramBytes?.toString() ?? '',
    r.outputsMatch === undefined ? '' : r.outputsMatch ? 'match' : 'MISMATCH',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 5 && i <= 10 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function footer(s: DemoSummary): string {
  const lines = [
    `suite ${s.suite} run ${s.runId}: ${s.jobs} jobs, ${s.done} measured, ${s.didNotFit} did not fit, ${s.failed} failed` +
      (s.outputsMismatched ? `, ${s.outputsMismatched} with outputs differing from TFLite` : '') + ` (${s.durationS} s)`,
    `InfluxDB ${s.influxdb.url} database ${s.influxdb.database}: ${s.resultsInInfluxdb} result points of this run (queried)`,
    `regressions against earlier runs: ${s.regressions}${s.regressions ? ' (see the regressions dashboard / tinyrack/alerts/regressions)' : ''}`,
    `Grafana provisioning + dashboards: ${s.dashboards} (point Grafana's provisioning path there; datasource uid tinyrack-influx)`,
  ];
  for (const f of s.failures) lines.push(`  failed: ${f.model} ${f.board} ${f.tiling}: ${f.error.split('\n')[0]}`);
  return lines.join('\n');
}
