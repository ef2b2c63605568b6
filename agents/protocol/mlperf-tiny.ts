// The agent's MLPerf Tiny test-harness client: drives any firmware that speaks the protocol
// (tinyrack's `--protocol mlperf-tiny` harness, a lab's own product firmware, a vendor's
// MLPerf Tiny submission) over its console: name, profile, db load, infer, results. Line
// shapes and patterns come from wire/mlperf-tiny.ts. Each command waits for "m-ready" with a
// deadline; an "e-[...]" answer, a line the protocol does not allow where a value is needed,
// or silence becomes a ProtocolError naming the command — nothing is guessed.
import {
  COMMAND_TERMINATOR, DB_CHUNK_BYTES, ERROR_RE, LAP_US_RE, MAX_COMMAND_CHARS, NAME_RE, PROFILE_RE, READY_LINE,
  RESULTS_RE, TR_COUNT_RE, TR_FW_RE, TR_OUTPUT_RE, dbCommands,
} from '../../wire/mlperf-tiny.ts';

/** A console the client talks through (QemuBoard, a serial port wrapper). */
export interface ConsoleTransport {
  write(data: string): Promise<void>;
  /** Console lines, with or without line endings, in order; ends when the console closes. */
  lines(): AsyncIterable<string>;
}

export class ProtocolError extends Error {
  constructor(readonly command: string, message: string, readonly transcript: string[] = []) {
    super(`mlperf-tiny "${command}": ${message}`);
    this.name = 'ProtocolError';
  }
}

export interface InferResult {
  iterations: number;
  warmups: number;
  /** The two m-lap-us stamps around the timed loop (absent in energy mode, where the firmware
   * timestamps with its pin instead). */
  lapUs?: [number, number];
  /** end - start over all iterations, microseconds by the board's own clock. */
  elapsedUs?: number;
  /** The m-results vector (dequantized, 3 decimals as the firmware prints them). */
  results: number[];
  /** tinyrack firmware only: exact count of the timed invocations and its unit. */
  count?: { kind: string; total: number };
  /** tinyrack firmware only: raw output bytes (lowercase hex) per output tensor. */
  outputsHex?: string[];
  lines: string[];
}

export interface ClientOptions {
  /** Deadline per command, ms of wall clock (default 30 s; QEMU's first bytes may take ~1 s). */
  commandTimeoutMs?: number;
  /** Deadline per `infer` (default 120 s). */
  inferTimeoutMs?: number;
  /** Bytes per `db` line (31; 26 through an EnergyRunner IO manager). */
  dbChunkBytes?: number;
}

export class MlperfTinyClient {
  private readonly it: AsyncIterator<string>;
  private pending?: Promise<IteratorResult<string>>;
  /** Every line received, for reports and errors. */
  readonly transcript: string[] = [];
  fwId?: string;

  constructor(private readonly console: ConsoleTransport, private readonly opts: ClientOptions = {}) {
    this.it = console.lines()[Symbol.asyncIterator]();
  }

  private async nextLine(command: string, deadline: number): Promise<string> {
    const left = deadline - Date.now();
    if (left <= 0) throw new ProtocolError(command, 'no m-ready before the deadline', this.transcript.slice(-20));
    // A timed-out read stays pending and is taken up by the next call, so no line is lost.
    this.pending ??= this.it.next();
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      this.pending,
      new Promise<'timeout'>((res) => { timer = setTimeout(() => res('timeout'), left); }),
    ]);
    clearTimeout(timer);
    if (r === 'timeout') throw new ProtocolError(command, 'no m-ready before the deadline', this.transcript.slice(-20));
    this.pending = undefined;
    if (r.done) throw new ProtocolError(command, 'the console closed before m-ready', this.transcript.slice(-20));
    const line = r.value.replace(/[\r\n]+$/, '');
    this.transcript.push(line);
    return line;
  }

  /** Reads until m-ready; returns the lines before it. */
  private async untilReady(command: string, timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    const out: string[] = [];
    for (;;) {
      const l = await this.nextLine(command, deadline);
      if (l === READY_LINE) return out;
      const fw = TR_FW_RE.exec(l);
      if (fw) this.fwId = fw[1];
      out.push(l);
    }
  }

  /** Waits for the firmware's start-up answer (m-init-done ... m-ready). */
  async waitReady(timeoutMs = this.opts.commandTimeoutMs ?? 30_000): Promise<string[]> {
    return this.untilReady('(boot)', timeoutMs);
  }

  /** Sends one command and returns its answer lines; an e-[...] line is an error. */
  async command(cmd: string, timeoutMs = this.opts.commandTimeoutMs ?? 30_000): Promise<string[]> {
    if (cmd.includes(COMMAND_TERMINATOR)) throw new ProtocolError(cmd, `a command cannot contain "${COMMAND_TERMINATOR}"`);
    if (cmd.length > MAX_COMMAND_CHARS) throw new ProtocolError(cmd, `longer than the firmware's ${MAX_COMMAND_CHARS}-character buffer`);
    await this.console.write(`${cmd}${COMMAND_TERMINATOR}`);
    const lines = await this.untilReady(cmd, timeoutMs);
    const err = lines.map((l) => ERROR_RE.exec(l)).find(Boolean);
    if (err) throw new ProtocolError(cmd, `firmware answered: ${err[1]}`, lines);
    return lines;
  }

  async name(): Promise<string> {
    const lines = await this.command('name');
    const m = lines.map((l) => NAME_RE.exec(l)).find(Boolean);
    if (!m) throw new ProtocolError('name', `no m-name-dut-[...] line in ${JSON.stringify(lines)}`, lines);
    return m[2]!;
  }

  async profile(): Promise<{ profile: string; model: string }> {
    const lines = await this.command('profile');
    const got: Record<string, string> = {};
    for (const l of lines) {
      const m = PROFILE_RE.exec(l);
      if (m) got[m[1]!] = m[2]!;
    }
    if (got.profile === undefined || got.model === undefined) {
      throw new ProtocolError('profile', `needs m-profile-[...] and m-model-[...], got ${JSON.stringify(lines)}`, lines);
    }
    return { profile: got.profile, model: got.model };
  }

  /** Loads the input bytes as the runner does: db load N, then hex chunks until m-load-done. */
  async load(bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) throw new ProtocolError('db load', 'no input bytes to load');
    const cmds = dbCommands(bytes, this.opts.dbChunkBytes ?? DB_CHUNK_BYTES);
    const first = await this.command(cmds[0]!);
    if (!first.some((l) => l === `m-[Expecting ${bytes.length} bytes]`)) {
      throw new ProtocolError(cmds[0]!, `expected m-[Expecting ${bytes.length} bytes], got ${JSON.stringify(first)}`, first);
    }
    let last: string[] = [];
    for (const c of cmds.slice(1)) last = await this.command(c);
    if (!last.includes('m-load-done')) throw new ProtocolError('db', `no m-load-done after ${bytes.length} bytes`, last);
  }

  /** infer N W: W warm-ups, N timed inferences; parses laps, results and tinyrack's extras. */
  async infer(iterations: number, warmups: number): Promise<InferResult> {
    if (!(Number.isInteger(iterations) && iterations > 0)) throw new ProtocolError('infer', `iterations must be an integer > 0 (got ${iterations})`);
    if (!(Number.isInteger(warmups) && warmups >= 0)) throw new ProtocolError('infer', `warm-ups must be an integer >= 0 (got ${warmups})`);
    // Warm-ups must always be sent: the firmware's default is 10.
    const cmd = `infer ${iterations} ${warmups}`;
    const lines = await this.command(cmd, this.opts.inferTimeoutMs ?? 120_000);
    return { iterations, warmups, ...parseInferLines(cmd, lines), lines };
  }

  async results(): Promise<Pick<InferResult, 'results' | 'outputsHex'>> {
    const lines = await this.command('results');
    const r = parseInferLines('results', lines);
    return { results: r.results, ...(r.outputsHex ? { outputsHex: r.outputsHex } : {}) };
  }
}

/** What an infer/results answer says (runner semantics: the first m-lap-us is the start, the
 * second the end; one m-results vector). */
export function parseInferLines(command: string, lines: string[]): Omit<InferResult, 'iterations' | 'warmups' | 'lines'> {
  const laps: number[] = [];
  let results: number[] | undefined;
  let count: { kind: string; total: number } | undefined;
  const outs: string[] = [];
  for (const l of lines) {
    let m = LAP_US_RE.exec(l);
    if (m) { laps.push(Number(m[1])); continue; }
    m = RESULTS_RE.exec(l);
    if (m) {
      const vals = m[1]!.split(',').filter((x) => x.trim()).map((x) => Number(x));
      if (vals.some((v) => !Number.isFinite(v))) throw new ProtocolError(command, `m-results holds a value that is not a number: ${l}`, lines);
      results = vals;
      continue;
    }
    m = TR_COUNT_RE.exec(l);
    if (m) { count = { kind: m[1]!, total: Number(m[2]) }; continue; }
    m = TR_OUTPUT_RE.exec(l);
    if (m) outs[Number(m[1])] = m[2]!;
  }
  if (!results) throw new ProtocolError(command, 'no m-results-[...] line', lines);
  if (laps.length !== 0 && laps.length !== 2 && command.startsWith('infer')) {
    throw new ProtocolError(command, `expected two m-lap-us stamps around the timed loop, got ${laps.length}`, lines);
  }
  const r: Omit<InferResult, 'iterations' | 'warmups' | 'lines'> = { results };
  if (laps.length === 2) { r.lapUs = [laps[0]!, laps[1]!]; r.elapsedUs = laps[1]! - laps[0]!; }
  if (count) r.count = count;
  if (outs.length) {
    if (outs.some((o) => o === undefined)) throw new ProtocolError(command, 'm-tr-output lines are not numbered 0..n-1', lines);
    r.outputsHex = outs;
  }
  return r;
}
