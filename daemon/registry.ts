// The lab registry: which agents exist, whether they are online (retained status, with the
// broker publishing the last-will "offline"), and their boards (retained inventory). A board's
// effective state combines the agent's report with the daemon's own leases: a board the daemon
// has a job out on is busy even before the agent's next inventory says so. The latest health
// sample of each agent (load, memory, disk, per-board counters) is kept beside it, and the
// protocol features its latest status advertised (what may go into the specs it is sent).
import { knownFeatures, splitStatusVersion, type AgentFeature, type AgentHealth, type AgentInventory, type AgentStatus, type BoardInfo, type BoardState } from '../wire/mqtt.ts';

export interface AgentEntry {
  agentId: string;
  online: boolean;
  /** The release the agent reports (its status version without the advertised features). */
  version?: string;
  /** The known features of the agent's latest status (wire AGENT_FEATURES): set by each online
   * status, so a re-announcement without them (a downgraded agent) forgets them; empty while
   * offline, so a spec never relies on what an agent said in an earlier life. */
  features: ReadonlySet<AgentFeature>;
  lastSeen: number;
  boards: BoardInfo[];
  /** The agent's latest valid health sample, and when the daemon received it (ms). */
  health?: AgentHealth;
  healthReceivedAt?: number;
}

export interface BoardView extends BoardInfo {
  agentId: string;
  agentOnline: boolean;
  /** State after the daemon's leases: busy when the daemon has a job out on it. */
  effective: BoardState;
}

const NO_FEATURES: ReadonlySet<AgentFeature> = new Set();
const newEntry = (agentId: string): AgentEntry => ({ agentId, online: false, lastSeen: 0, boards: [], features: NO_FEATURES });

export class Registry {
  private readonly agents = new Map<string, AgentEntry>();
  /** The views of every board an online agent reports idle, made when a status or an inventory
   * changes them (rare) instead of one object per free board in every dispatch round (every
   * result frees one: ~3 µs per result, measured). Undefined: to be made again. */
  private idleViews: BoardView[] | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** Applies a status message; returns true when the agent went from online to offline. */
  applyStatus(s: AgentStatus): { wentOffline: boolean; cameOnline: boolean } {
    const prev = this.agents.get(s.agentId);
    const entry: AgentEntry = prev ?? newEntry(s.agentId);
    const wasOnline = entry.online;
    entry.online = s.state === 'online';
    if (entry.online !== wasOnline) this.idleViews = undefined;
    if (s.version) entry.version = splitStatusVersion(s.version).release;
    entry.features = entry.online ? knownFeatures(s.version) : NO_FEATURES;
    entry.lastSeen = this.now();
    this.agents.set(s.agentId, entry);
    return { wentOffline: wasOnline && !entry.online, cameOnline: !wasOnline && entry.online };
  }

  /** Takes an agent's board list, except boards another online agent owns: a board id names one
   * board in the lab, and a second agent reporting it (a copied rack file, or a forger) must not
   * receive its jobs or rewrite its state. A board moves to another agent once its owner is offline. */
  applyInventory(inv: AgentInventory): Array<{ boardId: string; owner: string }> {
    const entry = this.agents.get(inv.agentId) ?? newEntry(inv.agentId);
    const refused: Array<{ boardId: string; owner: string }> = [];
    entry.boards = inv.boards.filter((b) => {
      const owner = this.ownerOf(b.boardId);
      if (owner && owner !== inv.agentId) { refused.push({ boardId: b.boardId, owner }); return false; }
      return true;
    });
    entry.lastSeen = this.now();
    this.agents.set(inv.agentId, entry);
    this.idleViews = undefined;
    return refused;
  }

  /** The agent's accepted result for a job on this board says the board is done with it: a
   * "busy" the agent reported before is the daemon's own finished lease, so the board is idle
   * again now instead of when the agent's next inventory comes (agents hold back busy/idle flips
   * up to INVENTORY_FLIP_DELAY_MS: waiting for them left boards unused — 56 % of board time busy
   * with 2 s jobs where 96 % was before). A newer inventory still wins; other states (missing,
   * quarantined) stand. */
  jobFinished(agentId: string, boardId: string): void {
    const entry = this.agents.get(agentId);
    const board = entry?.boards.find((b) => b.boardId === boardId);
    if (!entry || !board || board.state !== 'busy') return;
    board.state = 'idle';
    if (this.idleViews && entry.online) this.idleViews.push({ ...board, agentId, agentOnline: true, effective: 'idle' });
  }

  /** The online agent whose inventory holds this board id (undefined: none). */
  ownerOf(boardId: string): string | undefined {
    for (const a of this.agents.values()) if (a.online && a.boards.some((b) => b.boardId === boardId)) return a.agentId;
    return undefined;
  }

  /** Keeps the newest sample (by its own time: QoS 0 samples may arrive out of order). A sample
   * does not touch online/lastSeen: presence is the retained status's job. */
  applyHealth(h: AgentHealth): boolean {
    // Boards another agent owns are dropped from the sample (it is the daemon's own parsed copy):
    // an agent reports health only for its own boards.
    h.boards = h.boards.filter((b) => { const owner = this.ownerOf(b.boardId); return !owner || owner === h.agentId; });
    const entry = this.agents.get(h.agentId) ?? newEntry(h.agentId);
    this.agents.set(h.agentId, entry);
    if (entry.health && Date.parse(entry.health.ts) > Date.parse(h.ts)) return false;
    entry.health = h;
    entry.healthReceivedAt = this.now();
    return true;
  }

  agent(id: string): AgentEntry | undefined { return this.agents.get(id); }
  /** Whether the agent's current status advertised `feature` (false for an unknown agent). */
  hasFeature(agentId: string, feature: AgentFeature): boolean { return this.agents.get(agentId)?.features.has(feature) ?? false; }
  allAgents(): AgentEntry[] { return [...this.agents.values()].sort((a, b) => a.agentId.localeCompare(b.agentId)); }

  /** Every board with its effective state, given the board ids the daemon holds leases on. */
  boards(leased: ReadonlySet<string> = new Set()): BoardView[] {
    const out: BoardView[] = [];
    for (const a of this.allAgents()) {
      for (const b of a.boards) {
        let effective: BoardState = b.state;
        if (!a.online) effective = 'missing';
        else if (leased.has(b.boardId) && b.state !== 'quarantined' && b.state !== 'missing') effective = 'busy';
        else if (b.state === 'busy' && !leased.has(b.boardId)) effective = 'busy';
        out.push({ ...b, agentId: a.agentId, agentOnline: a.online, effective });
      }
    }
    return out;
  }

  /** The boards a job can go to now — agent online, reported idle, no lease: the boards() views
   * whose effective state is idle, without making a view of every busy board (dispatch asks
   * after every burst of results, with a thousand boards of which a few are free). The views are
   * shared between calls (read them, never change them). */
  idleBoards(leased: ReadonlySet<string>): BoardView[] {
    const views = this.idleViews ?? this.makeIdleViews();
    const out: BoardView[] = [];
    for (const v of views) if (!leased.has(v.boardId)) out.push(v);
    return out;
  }

  private makeIdleViews(): BoardView[] {
    const views: BoardView[] = [];
    for (const a of this.agents.values()) {
      if (!a.online) continue;
      for (const b of a.boards) if (b.state === 'idle') views.push({ ...b, agentId: a.agentId, agentOnline: true, effective: 'idle' });
    }
    this.idleViews = views;
    return views;
  }

  board(boardId: string): BoardView | undefined { return this.boards().find((b) => b.boardId === boardId); }

  /** Board kinds any agent has ever reported (online or not). */
  knownKinds(): Set<string> {
    return new Set(this.allAgents().flatMap((a) => a.boards.map((b) => b.kind)));
  }
}
