// Paces the retained inventory: news about a board (quarantined, missing, back, its failure count)
// goes out at once, while boards merely turning busy or idle around jobs wait up to
// INVENTORY_FLIP_DELAY_MS and go out as one inventory holding the latest states. Sent at once,
// those flips were two inventories of every board per job — at a lab's full rate most of the
// broker's messages and, through the daemon's board_state points, most of InfluxDB's points —
// and the daemon acts on none of them (its own lease says a board is busy).
import { INVENTORY_FLIP_DELAY_MS, onlyBusyIdleFlips, type AgentInventory } from '../../wire/mqtt.ts';

export class InventoryPacer {
  /** The inventory last handed to `publish`. */
  private sent: AgentInventory | undefined;
  private held: AgentInventory | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly publish: (inv: AgentInventory) => void, private readonly delayMs = INVENTORY_FLIP_DELAY_MS) {}

  /** The agent's inventory has changed: publish it now, or hold it when only busy/idle flips are new. */
  offer(inv: AgentInventory): void {
    if (this.sent && onlyBusyIdleFlips(this.sent, inv)) {
      this.held = inv;
      if (!this.timer) {
        this.timer = setTimeout(() => this.flush(), this.delayMs);
        this.timer.unref();
      }
      return;
    }
    this.send(inv);
  }

  /** Publishes a held inventory now (a stop must not leave the retained one behind the truth). */
  flush(): void {
    if (this.held) this.send(this.held);
  }

  private send(inv: AgentInventory): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.held = undefined;
    this.sent = inv;
    this.publish(inv);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
