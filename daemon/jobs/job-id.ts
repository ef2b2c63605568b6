// New job ids: UUID version 7 (RFC 9562) — 48 bits of milliseconds, then random bits. Same text
// form as the random (version 4) ids they replace, still unguessable enough to be unique, but
// ordered by creation: the lab database's primary-key index then grows at its end instead of
// taking each new id at a random page. With random ids every state change of a burst dirtied
// its own index page (a 4 KiB page in the WAL per result per commit), which profiled as the
// largest single cost of ingest.
import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/** A time-ordered UUID (v7); ids made in the same millisecond are ordered by a counter. */
export function newJobId(now = Date.now()): string {
  // Monotonic even when the clock steps back or 4,096 ids share a millisecond: the millisecond
  // part then runs ahead of the clock for a moment (order is all it is used for).
  if (now > lastMs) { lastMs = now; counter = 0; } else if (++counter > 0xfff) { lastMs++; counter = 0; }
  const b = randomBytes(16);
  b.writeUIntBE(lastMs, 0, 6);
  b[6] = 0x70 | (counter >> 8); // version 7, then the 12-bit counter (rand_a)
  b[7] = counter & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f); // RFC 9562 variant; the other 62 bits stay random
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
