// Pairs configured boards with what is plugged in: probe by VID:PID and USB serial number, console
// port by the same serial number or the same USB device. Reports boards configured but missing
// and probes present but claimed by no board.
import type { PhysicalBoardConfig } from '../config/rack-config.ts';
import type { AgentBoardDef } from '../boards.ts';
import type { SerialPortInfo, UsbDeviceInfo } from './enumerate.ts';
import { hex4, probeType } from './known-probes.ts';

export interface MatchedBoard {
  boardId: string;
  kind: string;
  usb?: UsbDeviceInfo;
  /** Console port path, when one was found. */
  port?: string;
  serialNumber?: string;
  /** Serial port of the board's power probe (PPK2), found by the probe's USB serial number. */
  probePort?: string;
}

export interface MissingBoard { boardId: string; kind: string; reason: string }

export interface UnknownDevice { vid: string; pid: string; name: string; serialNumber?: string; location: string; port?: string }

export interface DiscoveryResult {
  matched: MatchedBoard[];
  missing: MissingBoard[];
  unknown: UnknownDevice[];
}

export function matchBoards(
  boards: PhysicalBoardConfig[],
  defs: Map<string, AgentBoardDef>,
  usb: UsbDeviceInfo[],
  serial: SerialPortInfo[],
  /** USB serial numbers claimed by other roles (e.g. power probes), never "unknown". */
  otherClaims: string[] = [],
): DiscoveryResult {
  const claimed = new Set<UsbDeviceInfo>();
  const matched: MatchedBoard[] = [];
  const missing: MissingBoard[] = [];
  for (const b of boards) {
    const def = defs.get(b.kind);
    const ids = def?.usb ?? [];
    const idOk = (d: { vid?: number; pid?: number }) => ids.length === 0 ? probeType(d.vid ?? -1, d.pid ?? -1) !== undefined
      : ids.some((u) => u.vid === d.vid && u.pid === d.pid);
    let dev: UsbDeviceInfo | undefined;
    if (b.serialNumber) {
      dev = usb.find((d) => !claimed.has(d) && d.serialNumber === b.serialNumber);
      if (dev && !idOk(dev)) {
        missing.push({ boardId: b.id, kind: b.kind, reason: `USB serial ${b.serialNumber} is a ${hex4(dev.vid)}:${hex4(dev.pid)}, not a ${b.kind} probe` });
        claimed.add(dev);
        continue;
      }
    }
    let port: string | undefined;
    if (b.port) {
      port = serial.find((p) => p.path === b.port)?.path;
      if (!dev && port) {
        const sp = serial.find((p) => p.path === port)!;
        dev = usb.find((d) => !claimed.has(d) && ((sp.location && d.location === sp.location) || (sp.serialNumber && d.serialNumber === sp.serialNumber)));
      }
    } else if (dev) {
      const d = dev;
      port = serial.find((p) => (p.serialNumber && p.serialNumber === d.serialNumber && p.vid === d.vid) || (p.location && p.location === d.location))?.path;
    }
    if (!dev && !port) {
      missing.push({ boardId: b.id, kind: b.kind, reason: b.serialNumber ? `no USB device with serial ${b.serialNumber}` : `port ${b.port} not present` });
      continue;
    }
    if (dev) claimed.add(dev);
    const probeSn = b.probe?.serialNumber;
    const probePort = b.probe?.port ?? (probeSn ? serial.filter((p) => p.serialNumber === probeSn).map((p) => p.path).sort()[0] : undefined);
    matched.push({ boardId: b.id, kind: b.kind, usb: dev, port, serialNumber: dev?.serialNumber ?? b.serialNumber, ...(probePort ? { probePort } : {}) });
  }
  const unknown: UnknownDevice[] = [];
  for (const d of usb) {
    const t = probeType(d.vid, d.pid);
    if (!t || claimed.has(d) || (d.serialNumber && otherClaims.includes(d.serialNumber))) continue;
    const port = serial.find((p) => (p.location && p.location === d.location) || (p.serialNumber && p.serialNumber === d.serialNumber))?.path;
    unknown.push({ vid: hex4(d.vid), pid: hex4(d.pid), name: t.name, serialNumber: d.serialNumber, location: d.location, port });
  }
  return { matched, missing, unknown };
}
