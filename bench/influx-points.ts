// InfluxDB alone (node --import tsx bench/influx-points.ts): the CPU seconds `influxd` spends per point for result
// points like the daemon's (the `results` measurement's tags and fields, nanosecond timestamps of
// a millisecond plus a hash), posted in batches to a private server with the local config
// (daemon/influx/local-influxd.ts). It tells which part of InfluxDB's CPU per result is the
// server's own cost of a point, and what settings and the schema change in it, without the
// daemon, the broker or the fleet on the same cores.
// Options: --points N (60,000), --batch N (points per write request, 1,000), --boards N (distinct
// boards, 1,000; 50 agents, 8 models, so series = boards x 8), --board-as-field (board and agent as
// string fields instead of tags), --warm (the same series written once before, an hour earlier:
// a lab that has run a while), --data 'key=value' (a [data] setting, repeatable; e.g.
// --data 'index-version="tsi1"' --data 'wal-fsync-delay="100ms"'), --repeat N.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalInfluxd } from '../daemon/influx/local-influxd.ts';

const args = process.argv.slice(2);
const arg = (name: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : undefined; };
const points = Number(arg('points') ?? 60_000);
const batch = Number(arg('batch') ?? 1000);
const boards = Number(arg('boards') ?? 1000);
const boardAsField = args.includes('--board-as-field');
const warm = args.includes('--warm');
const dataSettings = Object.fromEntries(args.flatMap((a, i) => (a === '--data' ? [args[i + 1]!.split(/=(.*)/s).slice(0, 2)] : [])));
const models = ['aww', 'vww', 'resnet', 'toycar', 'micro_speech', 'cifar10', 'magic_wand', 'sine_model'];

/** CPU seconds (user + system) of a process so far, from /proc. */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** The i-th result line: boards take turns (as a dispatcher spreads a suite), models change every `boards` results. */
function line(i: number, t0: number, shiftNs = 0n): string {
  const board = i % boards; const agent = board % 50; const model = models[Math.floor(i / boards) % models.length]!;
  const ts = BigInt(t0 + i) * 1_000_000n + BigInt((i * 2654435761) % 1_000_000) - shiftNs;
  const who = `agent=sim-${agent},board=sim-${agent}-b${board}`;
  const tags = `arithmetic=reference,backend=aot,board_kind=qemu-mps2-an386,counter=instructions,model=${model},suite=ingest,tiling=none`;
  const fields = `arena_bytes=${1024 + (i % 64) * 1024}i,attempt=1i,count=${1_000_000 + i}i,energy_estimated=true,energy_uj=${(i % 997) / 7},`
    + `firmware_hash="0123456789abcdef",heap_bytes=0i,job_id="0190c6f2-${(i % 65536).toString(16).padStart(4, '0')}-7${(i >> 16).toString(16).padStart(3, '0')}-8000-000000000000",`
    + `latency_us=${(1_000_000 + i) / 25},outputs_match=true,ram_bytes=${5000 + (i % 64)}i,reps=1i,rom_bytes=${20_000 + (i % 999)}i,stack_bytes=${512 + (i % 200)}i`;
  return boardAsField
    ? `results,${tags} ${who.replace(/=([^,]+)/g, '="$1"')},${fields} ${ts}`
    : `results,${who},${tags} ${fields} ${ts}`;
}

async function post(url: string, lines: string[]): Promise<void> {
  for (let i = 0; i < lines.length; i += batch) {
    const res = await fetch(`${url}/write?db=bench&precision=n`, { method: 'POST', body: lines.slice(i, i + batch).join('\n') });
    if (res.status !== 204) throw new Error(`InfluxDB answered ${res.status}: ${await res.text()}`);
  }
}

async function run(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tinyrack-bench-influx-'));
  const influx = await startLocalInfluxd({ dir, dataSettings });
  try {
    await fetch(`${influx.url}/query?q=${encodeURIComponent('CREATE DATABASE bench')}`, { method: 'POST' });
    const t0 = Date.now() - points;
    const lines = Array.from({ length: points }, (_, i) => line(i, t0));
    if (warm) await post(influx.url, Array.from({ length: points }, (_, i) => line(i, t0, 3_600_000_000_000n)));
    const before = cpuSecondsOf(influx.pid!);
    await post(influx.url, lines);
    return ((cpuSecondsOf(influx.pid!) - before) / points) * 1e6;
  } finally {
    await influx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs: number[] = [];
for (let r = 0; r < Number(arg('repeat') ?? 1); r++) runs.push(Math.round(await run()));
process.stdout.write(`${JSON.stringify({ points, batch, boards, series: (boardAsField ? 1 : boards) * models.length, boardAsField, warm, dataSettings, influxdCpuUsPerPoint: runs })}\n`);
