// The embedded broker's maximum packet size — the same cap as the shipped Mosquitto config's
// `max_packet_size` (read from that file: one place for the number). Without it aedes buffers
// whatever a client announces, up to MQTT's 256 MiB per packet, before any ACL check runs: one
// local process could make the daemon's process hold gigabytes. Mosquitto closes the connection
// of a client whose packet is larger than the cap; so does this.
//
// aedes (0.51) has no option for it. Its per-connection parser (mqtt-packet) reads a packet's
// fixed header — type, then the remaining length — before it waits for the body; the cap is
// checked right there, so an oversized packet is refused after its first bytes, never buffered.
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHIPPED_MOSQUITTO_CONF = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'provisioning', 'mosquitto', 'tinyrack.conf');

/** `max_packet_size` of a Mosquitto config file (bytes of a whole packet, header included). */
export function mosquittoMaxPacketSize(confPath = SHIPPED_MOSQUITTO_CONF): number {
  const m = /^\s*max_packet_size\s+(\d+)\s*$/m.exec(readFileSync(confPath, 'utf8'));
  if (!m) throw new Error(`${confPath} sets no max_packet_size`);
  return Number(m[1]);
}

/** The part of aedes' client this needs: its parser (mqtt-packet) and its connection. */
interface ParsingClient {
  id?: string;
  conn: { destroy(): void };
  _parser: { packet: { cmd?: string; length: number }; _parseLength(): boolean };
}

/** Closes the client's connection as soon as a packet's header announces more than maxBytes. */
export function capPacketSize(client: unknown, maxBytes: number, refused: (what: string) => void): void {
  const c = client as ParsingClient;
  const parser = c._parser;
  if (typeof parser?._parseLength !== 'function') throw new Error('aedes client has no mqtt-packet parser to cap (aedes changed: check daemon/broker/packet-cap.ts)');
  const parseLength = parser._parseLength.bind(parser);
  parser._parseLength = () => {
    if (!parseLength()) return false;
    const remaining = parser.packet.length;
    // Whole packet = 1 type byte + 1-4 length bytes + remaining; Mosquitto counts it the same way.
    const total = 1 + (remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4) + remaining;
    if (total <= maxBytes) return true;
    refused(`client ${c.id ?? '(connecting)'} sent a ${parser.packet.cmd ?? 'packet'} of ${total} bytes, more than the ${maxBytes}-byte maximum packet size: connection closed`);
    parser.packet.length = -1;
    c.conn.destroy();
    return false; // stop parsing: nothing more of this connection is read
  };
}
