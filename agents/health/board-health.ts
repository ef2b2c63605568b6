// Per-board health: consecutive job failures, quarantine after N of them, and return to service
// only after a health check (a smoke job with the smallest model) passes.
import type { BoardState } from '../../wire/mqtt.ts';

export interface BoardHealthState {
  boardId: string;
  state: BoardState;
  consecutiveFailures: number;
  lastError?: string;
}

export class BoardHealth {
  private boards = new Map<string, BoardHealthState>();

  constructor(private quarantineAfter: number) {}

  ensure(boardId: string, initial: BoardState = 'idle'): BoardHealthState {
    let b = this.boards.get(boardId);
    if (!b) { b = { boardId, state: initial, consecutiveFailures: 0 }; this.boards.set(boardId, b); }
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

  /** A passing health check brings a quarantined board back. */
  release(boardId: string): void {
    const b = this.ensure(boardId);
    b.state = 'idle';
    b.consecutiveFailures = 0;
    b.lastError = undefined;
  }
}
