// A real InfluxDB 1.x for tests: a private influxd on free 127.0.0.1 ports with its own
// data/meta/wal under a fresh temp dir, removed on stop(). Stop/start keep the data (for the
// "InfluxDB down, points arrive later" tests).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalInfluxd, type LocalInfluxd } from '../daemon/influx/local-influxd.ts';

export interface TestInfluxdb extends LocalInfluxd {
  /** Stops the server and deletes its temp dir. */
  dispose(): Promise<void>;
  /** Runs an InfluxQL query over HTTP and returns the parsed JSON. */
  query(db: string, q: string): Promise<InfluxQueryResponse>;
}

export interface InfluxSeries { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }
export interface InfluxQueryResponse { results: Array<{ statement_id: number; series?: InfluxSeries[]; error?: string }>; error?: string }

export async function startInfluxdb(): Promise<TestInfluxdb> {
  const dir = mkdtempSync(join(tmpdir(), 'tinyrack-influx-'));
  const server = await startLocalInfluxd({ dir });
  return Object.assign(server, {
    async dispose() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async query(db: string, q: string): Promise<InfluxQueryResponse> {
      const url = `${server.url}/query?db=${encodeURIComponent(db)}&epoch=ms&q=${encodeURIComponent(q)}`;
      const res = await fetch(url);
      return await res.json() as InfluxQueryResponse;
    },
  });
}
