// `tinyrack agent`: runs the lab agent of this machine (rack file), or lists what it finds.
import type { Command } from 'commander';
import { loadRackConfig } from '../../agents/config/rack-config.ts';
import { Agent } from '../../agents/agent.ts';
import { defaultSteps } from '../../agents/pipeline/default-steps.ts';
import { recordedEnumerator, type Enumerator } from '../../agents/discovery/enumerate.ts';
import { readFileSync } from 'node:fs';

interface AgentCmdOptions { config: string; list?: boolean; json?: boolean; devices?: string }

export function register(program: Command): void {
  program.command('agent')
    .description('Run the lab agent: serve this machine\'s boards (rack file) to the lab broker')
    .requiredOption('-c, --config <rack.yaml>', 'rack configuration of this machine (see provisioning/examples/)')
    .option('--list', 'list configured boards, matched devices, missing boards and unknown devices, then exit')
    .option('--json', 'with --list: print JSON')
    .option('--devices <file.json>', 'use a recorded device list ({usb, serial}) instead of enumerating USB (for diagnosis)')
    .action(async (o: AgentCmdOptions) => {
      const config = loadRackConfig(o.config);
      let enumerator: Enumerator | undefined;
      if (o.devices) {
        try { enumerator = recordedEnumerator(JSON.parse(readFileSync(o.devices, 'utf8'))); } catch (e) { throw new Error(`cannot read device list ${o.devices}: ${(e as Error).message}`); }
      }
      const agent = new Agent(config, { steps: defaultSteps(), enumerator });
      if (o.list) {
        await printList(agent, Boolean(o.json));
        return;
      }
      await runUntilSignalled(agent);
    });
}

async function printList(agent: Agent, json: boolean): Promise<void> {
  await agent.prepare();
  const d = await agent.discover();
  const inv = agent.inventory();
  if (json) {
    process.stdout.write(`${JSON.stringify({ agentId: agent.config.agentId, boards: inv.boards, matched: d.matched, missing: d.missing, unknown: d.unknown }, null, 2)}\n`);
    return;
  }
  const out: string[] = [`agent ${agent.config.agentId}  (broker ${agent.config.broker.url})`, '', 'boards:'];
  for (const b of inv.boards) {
    out.push(`  ${b.boardId.padEnd(32)} ${b.kind.padEnd(20)} ${b.virtual ? 'virtual' : b.state.padEnd(7)}${b.port ? `  ${b.port}` : ''}${b.serialNumber ? `  sn ${b.serialNumber}` : ''}`);
  }
  out.push('', `missing (${d.missing.length}):`);
  for (const m of d.missing) out.push(`  ${m.boardId} (${m.kind}): ${m.reason}`);
  out.push('', `unknown devices (${d.unknown.length}):`);
  for (const u of d.unknown) out.push(`  ${u.vid}:${u.pid} ${u.name}${u.serialNumber ? ` sn ${u.serialNumber}` : ''} at ${u.location}${u.port ? ` (${u.port})` : ''}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

async function runUntilSignalled(agent: Agent): Promise<void> {
  await agent.start();
  process.stderr.write(`tinyrack agent ${agent.config.agentId}: serving ${agent.boards.size} boards; Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => {
    const onSignal = (sig: string) => {
      process.stderr.write(`tinyrack agent: ${sig}: finishing up\n`);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      void agent.stop(`agent stopped by ${sig}`).finally(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
