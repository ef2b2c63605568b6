// `tinyrack request`: the command-line client for on-demand flash requests. Sends the request to
// the daemon over MQTT, follows its progress, and prints the result when it arrives.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { clientCredentials, flash } from '../../daemon/client.ts';
import { arithmeticOf, type ModelRef } from '../../wire/mqtt.ts';
import { ARITHMETICS, arithmeticFitsBackend, tflmArithmeticNote, BACKENDS, TILING_MODES as TILINGS, type Arithmetic, type Backend, type TilingMode } from '../../wire/vocabulary.ts';

export function register(program: Command): void {
  program.command('request')
    .description('ask the daemon to build, flash and measure a model on a lab board, and print the result')
    .requiredOption('-m, --model <name|file.tflite>', 'model name from the model set, or a .tflite file to upload')
    .option('-k, --board-kind <kind>', 'any idle board of this kind (e.g. qemu-mps2-an386)')
    .option('-b, --board <id>', 'one specific board instance')
    .option('--backend <backend>', `code generator: ${BACKENDS.join(', ')}`, 'aot')
    .option('--tiling <mode>', `tiling: ${TILINGS.join(', ')}`, 'none')
    .option('--arithmetic <mode>', `int8 arithmetic: ${ARITHMETICS.join(', ')} (xnnpack equals real TFLite, aot backend only)`, 'reference')
    .option('--reps <n>', 'timed inferences', (v) => parseInt(v, 10), 3)
    .option('--broker <url>', 'MQTT broker of the lab', process.env.TINYRACK_BROKER ?? 'mqtt://127.0.0.1:1883')
    .option('--username <name>', 'broker account (default $TINYRACK_BROKER_USERNAME); it names you as the requester')
    .option('--password-file <file>', 'file holding the account\'s password (default $TINYRACK_BROKER_PASSWORD_FILE, else $TINYRACK_BROKER_PASSWORD)')
    .option('--ca <file>', 'CA certificate of an mqtts:// lab broker (default $TINYRACK_BROKER_CA)')
    .option('--timeout <seconds>', 'give up waiting after this long', (v) => Number(v), 600)
    .option('--json', 'print the result as JSON')
    .action(async (o: { model: string; boardKind?: string; board?: string; backend: string; tiling: string; arithmetic: string; reps: number; broker: string; timeout: number; json?: boolean; username?: string; passwordFile?: string; ca?: string }) => {
      if ((o.boardKind === undefined) === (o.board === undefined)) throw new Error('give exactly one of --board-kind or --board');
      if (!(BACKENDS as readonly string[]).includes(o.backend)) throw new Error(`--backend must be one of ${BACKENDS.join(', ')}`);
      if (!(TILINGS as readonly string[]).includes(o.tiling)) throw new Error(`--tiling must be one of ${TILINGS.join(', ')}`);
      if (!(ARITHMETICS as readonly string[]).includes(o.arithmetic)) throw new Error(`--arithmetic must be one of ${ARITHMETICS.join(', ')}`);
      if (!arithmeticFitsBackend(o.backend, o.arithmetic)) {
        throw new Error(`--arithmetic ${o.arithmetic} needs --backend aot: ${tflmArithmeticNote(o.backend)}`);
      }
      if (!Number.isInteger(o.reps) || o.reps < 1 || o.reps > 1000) throw new Error('--reps must be an integer from 1 to 1000');
      if (!(o.timeout > 0)) throw new Error('--timeout must be a positive number of seconds');
      let model: ModelRef = { name: o.model };
      if (o.model.endsWith('.tflite') || o.model.includes('/')) {
        let bytes: Buffer;
        try { bytes = readFileSync(o.model); } catch (err) { throw new Error(`cannot read ${o.model}: ${(err as Error).message}`); }
        const name = basename(o.model).replace(/\.tflite$/, '').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64) || 'model';
        model = { name, tfliteBase64: bytes.toString('base64'), sha256: createHash('sha256').update(bytes).digest('hex') };
      }
      const out = await flash(o.broker, {
        model, board: o.board ? { id: o.board } : { kind: o.boardKind! }, backend: o.backend as Backend, tiling: o.tiling as TilingMode,
        arithmetic: o.arithmetic as Arithmetic, reps: o.reps,
      }, {
        ...clientCredentials(o),
        timeoutMs: o.timeout * 1000,
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
          ['latency', `${m.latencyUs} us`], ['energy', m.energyUj === undefined ? 'n/a' : `${m.energyUj} uJ${m.energyEstimated ? ' (estimated)' : ''}`],
          ['arena', `${m.arenaBytes} B`], ['stack', `${m.stackBytes} B`], ['heap', `${m.heapBytes} B`],
          ['rom / ram', `${m.romBytes} B / ${m.ramBytes} B`], ['outputs match', String(m.outputsMatch)],
          ['firmware', r.firmwareHash ?? 'n/a'],
        ];
        for (const [k, v] of rows) process.stdout.write(`${k.padEnd(14)} ${v}\n`);
      }
      if (!r.ok || r.metrics?.outputsMatch === false) process.exitCode = 1;
    });
}
