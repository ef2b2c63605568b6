// How the matrix commands (`run`, `compare`) report: a progress bar on a terminal's stderr
// unless the output is machine-read, then the rows as JSON, CSV or a table.
import { Presets, SingleBar } from 'cli-progress';

interface OutputOptions { json?: boolean; csv?: boolean }

/** A progress bar labelled `command`, or undefined when stdout is JSON/CSV or stderr no terminal. */
export function progressBar(command: string, o: OutputOptions): SingleBar | undefined {
  if (o.json || o.csv || !process.stderr.isTTY) return undefined;
  return new SingleBar({ stream: process.stderr, format: `${command} [{bar}] {value}/{total} {last}` }, Presets.shades_classic);
}

/** Prints the rows in the form the options ask for. */
export function printRows<R>(rows: R[], o: OutputOptions, csv: (rows: R[]) => string, table: (rows: R[]) => string): void {
  if (o.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else if (o.csv) process.stdout.write(csv(rows));
  else process.stdout.write(table(rows));
}
