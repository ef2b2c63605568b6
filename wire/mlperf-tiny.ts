// The MLPerf Tiny (EEMBC) test-harness protocol on the wire: what the host sends and the line
// shapes the firmware answers with. The patterns are the MLPerf Tiny runner's own
// (mlcommons/tiny benchmark/runner: device_under_test.py, script.py), so a line this module
// accepts is one the runner accepts. The firmware side is firmware/harness/mlperf_tiny.c, the
// host side agents/protocol/mlperf-tiny.ts.

/** Every command ends with this character (EE_CMD_TERMINATOR). */
export const COMMAND_TERMINATOR = '%';
/** Every answer ends with this line. */
export const READY_LINE = 'm-ready';
/** The firmware's command buffer (EE_CMD_SIZE): a command may not be longer. */
export const MAX_COMMAND_CHARS = 80;
/** Bytes per `db` command the runner sends: 31 directly, 26 through the EnergyRunner's IO
 * manager (its shorter buffer). */
export const DB_CHUNK_BYTES = 31;
export const DB_CHUNK_BYTES_ENERGY = 26;
export const DEFAULT_BAUD = 115200;
/** How the firmware timestamps: 'performance' prints m-lap-us from its own clock; 'energy' (the
 * EnergyRunner set-up) pulses the timestamp pin instead and prints no times. */
export const TIMESTAMP_MODES = ['performance', 'energy'] as const;
export type TimestampMode = (typeof TIMESTAMP_MODES)[number];

export const NAME_RE = /^m-(name)-dut-\[([^\]]+)]$/;
export const PROFILE_RE = /^m-(model|profile)-\[([^\]]+)]$/;
export const RESULTS_RE = /^m-results-\[([^\]]+)\]$/;
export const LAP_US_RE = /^m-lap-us-([0-9]+)$/;
/** Errors: "e-[...]" (any e- line ends the command's success). */
export const ERROR_RE = /^e-\[(.*)\]$/;
/** tinyrack's own lines, ignored by the runner: firmware id, exact count, raw output bytes. */
export const TR_FW_RE = /^m-tr-fw-\[([^\]]+)]$/;
export const TR_COUNT_RE = /^m-tr-count-([a-z]+)-([0-9]+)$/;
export const TR_OUTPUT_RE = /^m-tr-output-([0-9]+)-\[([0-9a-f]*)]$/;

/** The `db` commands that load `bytes` into the firmware's buffer, as the runner sends them. */
export function dbCommands(bytes: Uint8Array, chunk = DB_CHUNK_BYTES): string[] {
  const cmds = [`db load ${bytes.length}`];
  for (let i = 0; i < bytes.length; i += chunk) cmds.push(`db ${Buffer.from(bytes.subarray(i, i + chunk)).toString('hex')}`);
  return cmds;
}
