// Per-board health: consecutive job failures, quarantine after N of them, and return to service
// only after a health check (a smoke job with the smallest model) passes.
import type { BoardState } from '../../wire/mqtt.ts';

export interface BoardHealthState {
  boardId: string;
  state: BoardState;
  consecutiveFailures: number;
  lastError?: string;
  /** When the last job on the board finished (ISO), for health samples. */
  lastJobAt?: string;
  /** Serial noise/corrupt lines summed over this board's jobs since the agent started: a rising
   * count points at the cable or the baud rate long before results go wrong. */
  serialNoiseLines: number;
  serialCorruptLines: number;
}

export class BoardHealth {
  private boards = new Map<string, BoardHealthState>();

  constructor(private quarantineAfter: number) {}

  ensure(boardId: string, initial: BoardState = 'idle'): BoardHealthState {
    let b = this.boards.get(boardId);
    if (!b) { b = { boardId, state: initial, consecutiveFailures: 0, serialNoiseLines: 0, serialCorruptLines: 0 }; this.boards.set(boardId, b); }
    return b;
  }

  get(boardId: string): BoardHealthState | undefined { return this.boards.get(boardId); }

  setState(boardId: string, state: BoardState): void {
    const b = this.ensure(boardId);
    // Quarantine is left only through a passing health check, never by a state change (not even
    // unplugging and re-plugging the board).
    if (b.state === 'quarantined') return;
    b.state = state;
  }

  /** Records a board-side failure; returns true when this failure quarantined the board. */
  recordFailure(boardId: string, error: string): boolean {
    const b = this.ensure(boardId);
    b.consecutiveFailures++;
    b.lastError = error;
    if (b.state !== 'quarantined' && b.consecutiveFailures >= this.quarantineAfter) {
      b.state = 'quarantined';
      return true;
    }
    return false;
  }

  recordSuccess(boardId: string): void {
    const b = this.ensure(boardId);
    b.consecutiveFailures = 0;
    b.lastError = undefined;
  }

  /** Notes a finished job on the board (whatever its outcome) and what its console looked like. */
  recordJobEnd(boardId: string, finishedAt: string, serial?: { noiseLines: number; corruptLines: number }): void {
    const b = this.ensure(boardId);
    b.lastJobAt = finishedAt;
    if (serial) { b.serialNoiseLines += serial.noiseLines; b.serialCorruptLines += serial.corruptLines; }
  }

  all(): BoardHealthState[] { return [...this.boards.values()]; }

  /** A passing health check brings a quarantined board back. */
  release(boardId: string): void {
    const b = this.ensure(boardId);
    b.state = 'idle';
    b.consecutiveFailures = 0;
    b.lastError = undefined;
  }
}
