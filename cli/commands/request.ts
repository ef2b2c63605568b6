// `tinyrack request`: the command-line client for on-demand flash requests. Sends the request to
// the daemon over MQTT, follows its progress, and prints the result when it arrives.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { clientCredentials, flash } from '../../daemon/client.ts';
import { arithmeticOf, type FlashRequest, type ModelRef } from '../../wire/mqtt.ts';
import { isClientId } from '../../wire/firmware-image.ts';
import { ARITHMETICS, BACKENDS, DEFAULT_ARITHMETIC, DEFAULT_BACKEND, PROTOCOLS, TILING_MODES } from '../../wire/vocabulary.ts';
import { checkArithmeticFits, options, parseOne } from '../options.ts';

/** The bring-your-own-firmware / protocol fields of a request from the CLI options. */
function byoRequestFields(o: { protocol?: string; firmware?: string; as?: string; validate?: boolean }): { fields: Pick<FlashRequest, 'protocol' | 'firmware' | 'validateAllSamples'>; client?: string } {
  const protocol = o.protocol !== undefined ? parseOne(o.protocol, PROTOCOLS, 'protocol') : o.firmware || o.validate ? 'mlperf-tiny' : undefined;
  const fields: Pick<FlashRequest, 'protocol' | 'firmware' | 'validateAllSamples'> = {
    ...(protocol ? { protocol } : {}), ...(o.validate ? { validateAllSamples: true } : {}),
  };
  if (!o.firmware) {
    if (o.as) throw new Error('--as goes with --firmware');
    return { fields };
  }
  if (!o.as || !isClientId(o.as)) throw new Error('--firmware needs --as <your broker account> (letters, digits, _ . -)');
  let bytes: Buffer;
  try { bytes = readFileSync(o.firmware); } catch (err) { throw new Error(`cannot read ${o.firmware}: ${(err as Error).message}`); }
  const name = basename(o.firmware).replace(/\.elf$/, '').replace(/[^A-Za-z0-9_.+-]/g, '_').slice(0, 64) || 'firmware';
  fields.firmware = { name, elfBase64: bytes.toString('base64'), sha256: createHash('sha256').update(bytes).digest('hex') };
  return { fields, client: o.as };
}

export function register(program: Command): void {
  program.command('request')
    .description('ask the daemon to build, flash and measure a model on a lab board, and print the result')
    .requiredOption('-m, --model <name|file.tflite>', 'model name from the model set, or a .tflite file to upload')
    .option('-k, --board-kind <kind>', 'any idle board of this kind (e.g. qemu-mps2-an386)')
    .option('-b, --board <id>', 'one specific board instance')
    .addOption(options.backend(DEFAULT_BACKEND))
    .addOption(options.tiling('none', 'tiling'))
    .addOption(options.arithmetic(DEFAULT_ARITHMETIC))
    .option('--reps <n>', 'timed inferences', (v) => parseInt(v, 10), 3)
    .option('--broker <url>', 'MQTT broker of the lab', process.env.TINYRACK_BROKER ?? 'mqtt://127.0.0.1:1883')
    .option('--username <name>', 'broker account (default $TINYRACK_BROKER_USERNAME); it names you as the requester')
    .option('--password-file <file>', 'file holding the account\'s password (default $TINYRACK_BROKER_PASSWORD_FILE, else $TINYRACK_BROKER_PASSWORD)')
    .option('--ca <file>', 'CA certificate of an mqtts:// lab broker (default $TINYRACK_BROKER_CA)')
    .option('--timeout <seconds>', 'give up waiting after this long', (v) => Number(v), 600)
    .addOption(options.json('the result'))
    .addOption(options.protocol(undefined))
    .option('--firmware <file.elf>', 'bring your own firmware: flash this ELF (speaking mlperf-tiny) instead of building --model, which names the model whose golden data it is checked with')
    .option('--as <client>', 'with --firmware: your broker account, whose tinyrack/requests/firmware/<client> topic the request goes to')
    .option('--validate', 'mlperf-tiny: run every golden sample through the flashed firmware and report agreement')
    .action(async (o: { model: string; boardKind?: string; board?: string; backend: string; tiling: string; arithmetic: string; reps: number; broker: string; timeout: number; json?: boolean;
      username?: string; passwordFile?: string; ca?: string; protocol?: string; firmware?: string; as?: string; validate?: boolean }) => {
      if ((o.boardKind === undefined) === (o.board === undefined)) throw new Error('give exactly one of --board-kind or --board');
      const backend = parseOne(o.backend, BACKENDS, 'backend');
      const tiling = parseOne(o.tiling, TILING_MODES, 'tiling');
      const arithmetic = parseOne(o.arithmetic, ARITHMETICS, 'arithmetic');
      checkArithmeticFits([backend], [arithmetic]);
      if (!Number.isInteger(o.reps) || o.reps < 1 || o.reps > 1000) throw new Error('--reps must be an integer from 1 to 1000');
      if (!(o.timeout > 0)) throw new Error('--timeout must be a positive number of seconds');
      let model: ModelRef = { name: o.model };
      if (o.model.endsWith('.tflite') || o.model.includes('/')) {
        let bytes: Buffer;
        try { bytes = readFileSync(o.model); } catch (err) { throw new Error(`cannot read ${o.model}: ${(err as Error).message}`); }
        const name = basename(o.model).replace(/\.tflite$/, '').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64) || 'model';
        model = { name, tfliteBase64: bytes.toString('base64'), sha256: createHash('sha256').update(bytes).digest('hex') };
      }
      const byo = byoRequestFields(o);
      const out = await flash(o.broker, {
        model, board: o.board ? { id: o.board } : { kind: o.boardKind! }, backend, tiling,
        arithmetic, reps: o.reps, ...byo.fields,
      }, {
        ...clientCredentials(o),
        timeoutMs: o.timeout * 1000, ...(byo.client ? { firmwareClient: byo.client } : {}),
        onReply: (r) => {
          if (o.json) return;
          if (r.type === 'accepted') process.stderr.write(`accepted as job ${r.jobId}\n`);
          else if (r.type === 'progress') process.stderr.write(`  ${r.phase}${r.message ? `: ${r.message}` : ''}\n`);
        },
      });
      if (out.rejected) throw new Error(`request rejected: ${out.rejected}`);
      if (out.failed) throw new Error(`job ${out.jobId} failed: ${out.failed}`);
      const r = out.result!;
      if (o.json) { process.stdout.write(`${JSON.stringify(r, null, 2)}\n`); }
      else if (!r.ok) { process.stdout.write(`job ${r.jobId} on ${r.boardId} failed: ${r.error}\n`); }
      else {
        const m = r.metrics!;
        const rows: Array<[string, string]> = [
          ['job', r.jobId], ['board', `${r.boardId} (${r.boardKind}, agent ${r.agentId})`],
          ['model', `${r.model} ${r.backend}/${r.tiling}/${arithmeticOf(r)}`], [m.counter, `${m.count} (median of ${m.counts.length})`],
          ['latency', `${m.latencyUs} us${m.latencyEstimated ? ' (estimated)' : ''}`], ['energy', m.energyUj === undefined ? 'n/a' : `${m.energyUj} uJ${m.energyEstimated ? ' (estimated)' : ''}`],
          ['arena', `${m.arenaBytes} B`], ['stack', `${m.stackBytes} B`], ['heap', `${m.heapBytes} B`],
          ['rom / ram', `${m.romBytes} B / ${m.ramBytes} B`], ['outputs match', String(m.outputsMatch)],
          ['firmware', r.firmwareHash ?? 'n/a'],
          ...(r.source === 'byo' ? [['submitted', `${r.firmwareName} sha256 ${r.firmwareSha256} by ${r.submittedBy}`] as [string, string]] : []),
          ...(r.validation ? [['validation', `${r.validation.agreed}/${r.validation.samples} golden samples agree`] as [string, string]] : []),
        ];
        for (const [k, v] of rows) process.stdout.write(`${k.padEnd(14)} ${v}\n`);
      }
      if (!r.ok || r.metrics?.outputsMatch === false || (r.validation && r.validation.agreed !== r.validation.samples)) process.exitCode = 1;
    });
}
