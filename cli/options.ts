// The options several commands share, each defined once: its flag, its help, and how its value
// is parsed and checked against the lab vocabulary (wire/vocabulary.ts). A command adds the
// options it takes (`.addOption(options.backends('aot'))`) and parses their values with the
// functions below, so `run`, `compare`, `build`, `plan` and `request` name, explain and refuse
// a backend, tiling, arithmetic or kernel goal the same way.
import { Option } from 'commander';
import { ARITHMETICS, arithmeticFitsBackend, BACKENDS, OPTIMIZE_GOALS, PROTOCOLS, TILING_MODES, tflmArithmeticNote } from '../wire/vocabulary.ts';

/** The items of a comma-separated option value, blanks dropped. */
export function list(s: string): string[] {
  return s.split(',').map((x) => x.trim()).filter(Boolean);
}

/** A comma-separated list, every item one of `allowed`. */
export function parseList<T extends string>(s: string, allowed: readonly T[], what: string): T[] {
  const items = list(s);
  if (!items.length) throw new Error(`--${what} needs at least one of ${allowed.join('|')}`);
  for (const x of items) {
    if (!(allowed as readonly string[]).includes(x)) throw new Error(`unknown ${what} "${x}" (use ${allowed.join('|')})`);
  }
  return items as T[];
}

/** One value, one of `allowed`. */
export function parseOne<T extends string>(s: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(s)) throw new Error(`--${what} must be one of ${allowed.join('|')}, got "${s}"`);
  return s as T;
}

/** An integer option of at least `min` (and at most `max`). */
export function parseCount(what: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${what} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`}, got "${v}"`);
  }
  return n;
}

/** Refuses a backend × arithmetic pair no build can make (TFLite-Micro computes reference only). */
export function checkArithmeticFits(backends: readonly string[], arithmetics: readonly string[]): void {
  for (const b of backends) for (const a of arithmetics) {
    if (!arithmeticFitsBackend(b, a)) throw new Error(`--arithmetic ${a} needs --backend aot: ${tflmArithmeticNote(b)}`);
  }
}

// Help texts: one per option, the list form saying "comma-separated".
const ARITHMETIC_HELP = 'int8 arithmetic: reference = TFLite-Micro fixed point; xnnpack = float32 requantization like TFLite on CPU (equals the golden files; aot backend only)';
const OPTIMIZE_HELP = 'AoT kernels: speed = weights laid out for the fastest kernels (pre-widened, up to 2x weight ROM and more stack on DSP cores); size = int8 weights as in the model';

/** An option with a default only when one is given (an absent value may mean something). */
function withDefault(o: Option, dflt: string | undefined): Option {
  return dflt === undefined ? o : o.default(dflt);
}

/** The shared options. `…s` take a comma-separated list (run and compare try every item), the
 * singular forms one value; a command passes the default it wants (none: the option is absent
 * unless given). */
export const options = {
  models: () => new Option('--model <list>', 'comma-separated model-set names or .tflite paths').makeOptionMandatory(),
  model: () => new Option('--model <path|name>', 'a .tflite file or the name of a model in the model set').makeOptionMandatory(),
  virtualBoards: () => new Option('--board <list>', 'comma-separated virtual board ids').makeOptionMandatory(),
  backends: (dflt: string) => new Option('--backend <list>', `comma-separated backends (${BACKENDS.join('|')})`).default(dflt),
  backend: (dflt: string | undefined, help = 'code generator') => withDefault(new Option('--backend <name>', `${help} (${BACKENDS.join('|')})`), dflt),
  tilings: (dflt: string) => new Option('--tiling <list>', `comma-separated tiling modes (${TILING_MODES.join('|')})`).default(dflt),
  tiling: (dflt: string | undefined, help = 'tile the graph before planning') => withDefault(new Option('--tiling <mode>', `${help} (${TILING_MODES.join('|')})`), dflt),
  arithmetics: (dflt: string) => new Option('--arithmetic <list>', `comma-separated ${ARITHMETIC_HELP} (${ARITHMETICS.join('|')})`).default(dflt),
  arithmetic: (dflt: string) => new Option('--arithmetic <mode>', `${ARITHMETIC_HELP} (${ARITHMETICS.join('|')})`).default(dflt),
  optimizes: (dflt: string) => new Option('--optimize <list>', `comma-separated ${OPTIMIZE_HELP} (${OPTIMIZE_GOALS.join('|')})`).default(dflt),
  optimize: (dflt: string) => new Option('--optimize <goal>', `${OPTIMIZE_HELP} (${OPTIMIZE_GOALS.join('|')})`).default(dflt),
  protocol: (dflt: string | undefined) => withDefault(new Option('--protocol <name>',
    `how the host talks to the firmware (${PROTOCOLS.join('|')}): tr1 = run once and report TR1 records; mlperf-tiny = the MLPerf Tiny test-harness commands (inputs from the host)`), dflt),
  reps: (dflt: string) => new Option('--reps <n>', 'timed inferences per run').default(dflt),
  timeout: (dflt: number) => new Option('--timeout <ms>', 'per-run limit; a hung board fails its configuration').default(String(dflt)),
  parallel: () => new Option('--parallel <n>', 'runs at once (default: cores)'),
  json: (what = 'the rows') => new Option('--json', `print ${what} as JSON`),
  csv: () => new Option('--csv', 'print the rows as CSV'),
};

/** The build choices of a matrix command (`run`, `compare`), each list parsed and checked
 * (whether every backend × arithmetic pair can build is the command's call: `compare` shows an
 * impossible pair as a row with its reason, `run` refuses it). */
export function parseMatrix(o: { backend: string; tiling: string; arithmetic: string }) {
  return {
    backends: parseList(o.backend, BACKENDS, 'backend'),
    tilings: parseList(o.tiling, TILING_MODES, 'tiling'),
    arithmetics: parseList(o.arithmetic, ARITHMETICS, 'arithmetic'),
  };
}
