// New job ids: UUID version 7 (RFC 9562) — 48 bits of milliseconds, then random bits. Same text
// form as the random (version 4) ids they replace, still unguessable enough to be unique, but
// ordered by creation: the lab database's primary-key index then grows at its end instead of
// taking each new id at a random page. With random ids every state change of a burst dirtied
// its own index page (a 4 KiB page in the WAL per result per commit), which profiled as the
// largest single cost of ingest.
import { randomUUID } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/** A time-ordered UUID (v7); ids made in the same millisecond are ordered by a counter. */
export function newJobId(now = Date.now()): string {
  // Monotonic even when the clock steps back or 4,096 ids share a millisecond: the millisecond
  // part then runs ahead of the clock for a moment (order is all it is used for).
  if (now > lastMs) { lastMs = now; counter = 0; } else if (++counter > 0xfff) { lastMs++; counter = 0; }
  // The random part (RFC 9562 variant bits, then 62 random bits) is a random v4 UUID's last two
  // groups, which carry exactly that: randomUUID draws from a cached pool of random bytes, where
  // randomBytes(16) for each id was a call into the system's generator per job (~2 % of the
  // daemon's ingest time, profiled).
  const ms = lastMs.toString(16).padStart(12, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${counter.toString(16).padStart(3, '0')}-${randomUUID().slice(19)}`;
}
