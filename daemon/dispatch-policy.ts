// The dispatch policy: which queued job goes to which free board. A pure function of the queue
// (oldest first), the free boards and when each board was last used, so it is tested without a
// broker and compared on the same inputs if another policy is ever added.
//
// Rules: oldest queued job first; a job that names a board gets that board or waits; otherwise
// an idle board of its kind, least recently used first (ties by board id, so the result does not
// depend on the order boards were reported in); one job per board per round.

export interface QueuedJob { jobId: string; boardKind: string; wantBoardId?: string }
export interface FreeBoard { boardId: string; agentId: string; kind: string }
export interface Assignment { jobId: string; agentId: string; boardId: string }

export function assignJobs(queue: Iterable<QueuedJob>, free: FreeBoard[], lastUsed: (boardId: string) => number): Assignment[] {
  if (!free.length) return [];
  // Per kind, the free boards in the order they should be taken (least recently used first).
  // Sorting once per round keeps a round O(queue + boards log boards) with a thousand boards.
  const byKind = new Map<string, FreeBoard[]>();
  const byId = new Map<string, FreeBoard>();
  for (const b of free) {
    byId.set(b.boardId, b);
    const list = byKind.get(b.kind);
    if (list) list.push(b); else byKind.set(b.kind, [b]);
  }
  for (const list of byKind.values()) {
    list.sort((a, b) => lastUsed(a.boardId) - lastUsed(b.boardId) || a.boardId.localeCompare(b.boardId));
    list.reverse(); // pop() takes from the end: least recently used last
  }
  const taken = new Set<string>();
  const out: Assignment[] = [];
  let left = free.length;
  for (const job of queue) {
    let board: FreeBoard | undefined;
    if (job.wantBoardId !== undefined) {
      const b = byId.get(job.wantBoardId);
      // The board was checked against the request when the job was made: its id decides.
      if (b && !taken.has(b.boardId)) board = b;
    } else {
      const list = byKind.get(job.boardKind);
      while (list?.length && taken.has(list[list.length - 1]!.boardId)) list.pop();
      board = list?.pop();
    }
    if (!board) continue;
    taken.add(board.boardId);
    out.push({ jobId: job.jobId, agentId: board.agentId, boardId: board.boardId });
    if (--left === 0) break;
  }
  return out;
}
