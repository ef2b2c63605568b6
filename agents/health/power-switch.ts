// Power-cycling a hung board by switching its USB hub port (uhubctl, per-port power switching
// hubs). One driver per switch kind behind PowerSwitch.
import { execa } from 'execa';
import type { PowerSwitchConfig } from '../config/rack-config.ts';

export interface PowerSwitch {
  cycle(): Promise<void>;
}

export function uhubctlArgs(cfg: PowerSwitchConfig, offSeconds = 2): string[] {
  return ['-l', cfg.hub, '-p', String(cfg.port), '-a', 'cycle', '-d', String(offSeconds)];
}

export function uhubctlSwitch(boardId: string, cfg: PowerSwitchConfig, timeoutMs = 30_000): PowerSwitch {
  return {
    async cycle() {
      const r = await execa('uhubctl', uhubctlArgs(cfg), { all: true, reject: false, timeout: timeoutMs, stdin: 'ignore' });
      if (r.failed || r.exitCode !== 0) {
        const why = (r as { code?: string }).code === 'ENOENT' ? 'uhubctl is not installed' : r.timedOut ? 'timed out' : `exit code ${r.exitCode}`;
        throw new Error(`power-cycling ${boardId} (hub ${cfg.hub} port ${cfg.port}) failed: ${why}\n${String(r.all ?? '').split('\n').slice(-5).join('\n')}`);
      }
    },
  };
}

export function powerSwitchFor(boardId: string, cfg: PowerSwitchConfig | undefined): PowerSwitch | undefined {
  if (!cfg) return undefined;
  switch (cfg.kind) {
    case 'uhubctl': return uhubctlSwitch(boardId, cfg);
    default: return undefined;
  }
}
