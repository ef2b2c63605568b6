// `tinyrack dashboards`: writes the Grafana dashboards (generated from TypeScript with the
// Grafana Foundation SDK) and the provisioning files that load them.
import type { Command } from 'commander';
import { writeProvisioning } from '../../dashboards/index.ts';

export function register(program: Command): void {
  program.command('dashboards')
    .description('write the Grafana dashboards (JSON) and provisioning files (datasource + dashboard provider)')
    .option('-o, --out <dir>', 'output directory', 'provisioning/grafana')
    .option('--influx <url>', 'InfluxDB URL the Grafana datasource points at', 'http://127.0.0.1:8086')
    .option('--influx-db <name>', 'InfluxDB database', 'tinyrack')
    .option('--grafana-path <dir>', 'where Grafana will find the JSON files (default: the output path)')
    .option('--json', 'print the written files as JSON')
    .action((o: { out: string; influx: string; influxDb: string; grafanaPath?: string; json?: boolean }) => {
      const files = writeProvisioning({
        outDir: o.out, influxUrl: o.influx, database: o.influxDb,
        ...(o.grafanaPath ? { dashboardsPathForGrafana: o.grafanaPath } : {}),
      });
      if (o.json) process.stdout.write(`${JSON.stringify({ files }, null, 2)}\n`);
      else for (const f of files) process.stdout.write(`${f}\n`);
    });
}
