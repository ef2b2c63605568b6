// Hot-plug: re-enumerates periodically and tells which boards appeared and disappeared, so a
// board unplugged mid-job fails that job and comes back when re-plugged.
import { EventEmitter } from 'node:events';
import type { PhysicalBoardConfig } from '../config/rack-config.ts';
import type { AgentBoardDef } from '../boards.ts';
import type { Enumerator } from './enumerate.ts';
import { matchBoards, type DiscoveryResult } from './match.ts';

export interface DiscoveryChange { attached: string[]; detached: string[]; result: DiscoveryResult }

export class DiscoveryWatcher extends EventEmitter<{ change: [DiscoveryChange]; error: [Error] }> {
  private timer: NodeJS.Timeout | undefined;
  private present = new Set<string>();
  current: DiscoveryResult = { matched: [], missing: [], unknown: [] };

  constructor(
    private enumerator: Enumerator,
    private boards: PhysicalBoardConfig[],
    private defs: Map<string, AgentBoardDef>,
    private otherClaims: string[] = [],
  ) { super(); }

  /** One enumeration; emits 'change' when the set of present boards changed. */
  async scan(): Promise<DiscoveryResult> {
    const [usb, serial] = await Promise.all([this.enumerator.usbDevices(), this.enumerator.serialPorts()]);
    const result = matchBoards(this.boards, this.defs, usb, serial, this.otherClaims);
    const now = new Set(result.matched.map((m) => m.boardId));
    const attached = [...now].filter((id) => !this.present.has(id));
    const detached = [...this.present].filter((id) => !now.has(id));
    this.present = now;
    this.current = result;
    if (attached.length || detached.length) this.emit('change', { attached, detached, result });
    return result;
  }

  start(intervalMs: number): void {
    const tick = (): void => {
      this.scan().catch((e: Error) => this.emit('error', e)).finally(() => {
        if (this.timer) this.timer = setTimeout(tick, intervalMs);
      });
    };
    this.timer = setTimeout(tick, intervalMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  isPresent(boardId: string): boolean { return this.present.has(boardId); }
}
