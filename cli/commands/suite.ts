// `tinyrack suite`: list the regression suites of a lab config, or start one now on the running
// daemon (over MQTT; the queue lives in the daemon, so the CLI never writes jobs itself).
import type { Command } from 'commander';
import { expandSuite, loadLabConfig } from '../../daemon/config.ts';
import { clientCredentials, runSuite } from '../../daemon/client.ts';

export function register(program: Command): void {
  const suite = program.command('suite').description('regression suites: list them, or start one now on the running daemon');
  suite.command('list')
    .description('show the suites of a lab config and their matrix size')
    .option('-c, --config <file>', 'lab config', 'provisioning/lab.yaml')
    .option('--json', 'print as JSON')
    .action((o: { config: string; json?: boolean }) => {
      const cfg = loadLabConfig(o.config);
      const rows = cfg.suites.map((s) => ({ name: s.name, cron: s.cron ?? null, jobs: expandSuite(s).length, models: s.models, boards: s.boards, backends: s.backends, tilings: s.tilings, arithmetics: s.arithmetics }));
      if (o.json) { process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`); return; }
      for (const r of rows) process.stdout.write(`${r.name.padEnd(16)} ${String(r.cron ?? '(on demand)').padEnd(16)} ${String(r.jobs).padStart(4)} jobs  ${r.models.join(',')} x ${r.boards.join(',')} x ${r.backends.join(',')} x ${r.tilings.join(',')} x ${r.arithmetics.join(',')}\n`);
    });
  suite.command('run <name>')
    .description('start a run of a suite now on the running daemon, and wait for it to finish')
    .option('-c, --config <file>', 'lab config, to check the suite name before asking the daemon')
    .option('--broker <url>', 'MQTT broker of the lab', process.env.TINYRACK_BROKER ?? 'mqtt://127.0.0.1:1883')
    .option('--username <name>', 'broker account (default $TINYRACK_BROKER_USERNAME); it names you as the requester')
    .option('--password-file <file>', 'file holding the account\'s password (default $TINYRACK_BROKER_PASSWORD_FILE, else $TINYRACK_BROKER_PASSWORD)')
    .option('--ca <file>', 'CA certificate of an mqtts:// lab broker (default $TINYRACK_BROKER_CA)')
    .option('--no-wait', 'return once the daemon has queued the jobs')
    .option('--timeout <seconds>', 'give up waiting after this long', (v) => Number(v), 3600)
    .option('--json', 'print the daemon\'s replies as JSON')
    .action(async (name: string, o: { config?: string; broker: string; wait: boolean; timeout: number; json?: boolean; username?: string; passwordFile?: string; ca?: string }) => {
      if (o.config) {
        const cfg = loadLabConfig(o.config);
        if (!cfg.suites.some((s) => s.name === name)) throw new Error(`no suite "${name}" in ${o.config} (have: ${cfg.suites.map((s) => s.name).join(', ') || 'none'})`);
      }
      const replies = await runSuite(o.broker, name, {
        ...clientCredentials(o), timeoutMs: o.timeout * 1000, waitFinished: o.wait,
        onReply: (r) => {
          if (o.json) return;
          if (r.type === 'started') process.stderr.write(`run ${r.runId} started: ${r.jobIds.length} jobs\n`);
        },
      });
      const last = replies.at(-1)!;
      if (o.json) process.stdout.write(`${JSON.stringify(replies, null, 2)}\n`);
      if (last.type === 'rejected') throw new Error(`suite run rejected: ${last.reason}`);
      if (last.type === 'skipped') throw new Error(`suite run skipped: ${last.reason}`);
      if (!o.json && last.type === 'finished') process.stdout.write(`run ${last.runId}: ${last.done} done, ${last.failed} failed\n`);
      if (last.type === 'finished' && last.failed > 0) process.exitCode = 1;
    });
}
