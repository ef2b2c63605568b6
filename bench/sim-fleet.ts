// A fleet of simulated agents in a process of its own (bench/lab.ts spawns it), so the daemon's
// process is measured alone. Argument: JSON {brokerUrl, agents, boardsPerAgent, kind, jobMs,
// prefix}. Prints "ready" once every agent is online; SIGTERM stops them cleanly. Every agent
// sends what the real agent sends — per job the result, the progress phases where the job spec
// asks for them (the bench's queued jobs have no requester: `progress: false`), its paced
// inventory, and a health sample every 60 s (the rack file's default) — so the broker, the daemon
// and InfluxDB carry a real lab's messages.
import { SimAgent } from '../daemon/sim/sim-agent.ts';

const o = JSON.parse(process.argv[2] ?? '{}') as {
  brokerUrl: string; agents: number; boardsPerAgent: number; kind: string; jobMs: number; prefix: string;
};
const sims: SimAgent[] = [];
for (let a = 0; a < o.agents; a++) {
  const id = `${o.prefix}-${a}`;
  const sim = new SimAgent({
    brokerUrl: o.brokerUrl, agentId: id, jobMs: o.jobMs, progress: true, boardStates: true, healthIntervalS: 60, record: false,
    boards: Array.from({ length: o.boardsPerAgent }, (_, b) => ({ boardId: `${id}-b${b}`, kind: o.kind })),
  });
  await sim.start();
  sims.push(sim);
}
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void Promise.all(sims.map((s) => s.stop().catch(() => {}))).then(() => {
    process.stdout.write(`${JSON.stringify({ results: sims.reduce((n, s) => n + s.resultCount, 0) })}\n`);
    process.exit(0);
  });
});
