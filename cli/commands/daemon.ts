// `tinyrack daemon`: the central daemon (registry, durable jobs, dispatcher, flash requests,
// cron regression suites, InfluxDB, regression detection). Runs until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { loadLabConfig, defaultLabConfig } from '../../daemon/config.ts';
import { Daemon } from '../../daemon/daemon.ts';
import { modelSetLookup } from '../../daemon/model-set-lookup.ts';

export function register(program: Command): void {
  program.command('daemon')
    .description('run the central daemon: job queue, dispatcher, MQTT flash requests, cron suites, InfluxDB writer')
    .option('-c, --config <file>', 'lab config (YAML); see provisioning/lab.yaml')
    .option('--broker <url>', 'MQTT broker URL (default: the config\'s, else an embedded broker)')
    .option('--embedded-broker-port <port>', 'port of the embedded broker when no broker URL is given', (v) => parsePort(v))
    .option('--influx <url>', 'InfluxDB 1.x URL (default: the config\'s)')
    .option('--influx-db <name>', 'InfluxDB database', 'tinyrack')
    .option('--no-influx', 'do not write to InfluxDB')
    .option('--data-dir <dir>', 'where the SQLite store (jobs and pending InfluxDB points) lives')
    .option('--client-id <id>', 'MQTT client id (one per daemon: the broker keeps its session)', 'tinyrack-daemon')
    .option('--no-cron', 'do not schedule suites (they can still be started with `tinyrack suite run`)')
    .action(async (o: { config?: string; broker?: string; embeddedBrokerPort?: number; influx?: string | false; influxDb: string; dataDir?: string; clientId: string; cron: boolean }) => {
      const base = o.config ? loadLabConfig(o.config) : defaultLabConfig('.cache/tinyrack/daemon');
      const config = {
        ...base,
        ...(o.dataDir ? { dataDir: o.dataDir } : {}),
        ...(o.embeddedBrokerPort !== undefined ? { embeddedBrokerPort: o.embeddedBrokerPort } : {}),
      };
      const influx = o.influx === false ? null
        : typeof o.influx === 'string' ? { url: o.influx, database: o.influxDb } : undefined;
      const daemon = new Daemon({
        config, ...(o.broker ? { brokerUrl: o.broker } : {}), influx, clientId: o.clientId,
        modelExists: modelSetLookup(), ...(o.cron ? {} : { scheduler: () => ({ stop() {} }) }),
      });
      await daemon.start();
      process.stderr.write(`tinyrack daemon: broker ${daemon.brokerUrl}, data ${config.dataDir}, ` +
        `InfluxDB ${influx === null ? 'off' : (influx ?? config.influx)?.url ?? 'off'}, suites: ${config.suites.map((s) => s.name).join(', ') || 'none'}\n`);
      await new Promise<void>((resolve) => {
        const bye = () => { process.off('SIGINT', bye); process.off('SIGTERM', bye); resolve(); };
        process.on('SIGINT', bye);
        process.on('SIGTERM', bye);
      });
      await daemon.stop();
    });
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`not a TCP port: ${v}`);
  return n;
}
