// The edge rules of the lab's MQTT traffic, in one place: how big anything may be, what an id
// may look like, which reply topics a requester may name, and how far a sender's clock may be from
// ours. wire/mqtt.ts's validators apply them to every payload the daemon or an agent accepts; the
// daemon and the embedded broker apply the topic rules. Why each bound exists:
// - ids end up in file names (agent work folders, outboxes), MQTT topics, InfluxDB tags and every
//   journal line and reply of a job: one rule keeps them short, printable and path-safe;
// - an MQTT topic is a length-prefixed UTF-8 string of at most 65,535 bytes without U+0000: a
//   longer one corrupts the outgoing stream, a NUL makes Mosquitto drop the publisher;
// - a time far from ours is a wrong clock, and InfluxDB refuses points beyond its retention.

/** Size limits of inbound payloads. Uploads have their own limit (daemon.requests.maxUploadBytes). */
export const LIMITS = {
  /** A whole payload on any topic except flash requests (whose upload sets their bound). */
  payloadBytes: 256 * 1024,
  /** A job spec: it carries the daemon-checked upload to the agent, so its bound is the shipped
   * Mosquitto packet limit (max_packet_size), not the small default. */
  jobSpecBytes: 16 * 1024 * 1024,
  /** Room in a flash request next to its base64 upload. */
  requestOverheadBytes: 64 * 1024,
  /** Topics the daemon publishes on because a payload named them (replyTo). */
  topicChars: 256,
  /** Ids: job, request, agent, board, board kind, suite. */
  idChars: 128,
  /** Any other string unless its field says otherwise. */
  stringChars: 1024,
  /** Error and progress texts (an agent cuts its own at 4,000). */
  textChars: 16 * 1024,
  /** Array items (per-inference counts are at most reps = 1000; boards per agent). */
  arrayItems: 4096,
  /** Entries in a tags map, and the length of each value. */
  tagEntries: 32,
  tagValueChars: 256,
} as const;

/** One rule for every id that may become a file name, a topic level or a tag: letters, digits,
 * `_ . -`, at most LIMITS.idChars, and never `.` or `..`. Rack files use the same characters. */
export const SAFE_ID = /^(?!\.\.?$)[A-Za-z0-9_.-]{1,128}$/;
export function isSafeId(s: unknown): s is string {
  return typeof s === 'string' && SAFE_ID.test(s);
}
export const SAFE_ID_RULE = 'letters, digits, "_", ".", "-" (1..128 characters, not "." or "..")';

/** C0 and C1 control characters; `\t \n \r` only where text allows them. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const CONTROL_STRICT = /[\u0000-\u001f\u007f-\u009f]/;
/** A UTF-16 surrogate without its partner: JSON escapes can make one, UTF-8 cannot carry it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string is not acceptable text (undefined: it is). */
export function textProblem(s: string, maxChars: number, multiline = false): string | undefined {
  if (s.length > maxChars) return `is ${s.length} characters, more than ${maxChars}`;
  // Almost every string has no character any rule below is about (a control character, a
  // surrogate): one pass over the codes says so without running the three expressions.
  let suspect = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xdfff)) { suspect = true; break; }
  }
  if (!suspect) return undefined;
  if ((multiline ? CONTROL : CONTROL_STRICT).test(s)) return 'contains a control character';
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate';
  return undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Strict UTF-8 decoding: undefined for bytes that are not UTF-8 (never silently replaced). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try { return utf8.decode(bytes); } catch { return undefined; }
}

// --- requesters and reply topics --------------------------------------------------------------

export const REPLIES_ROOT = 'tinyrack/replies';
/** Where a requester's replies live; the broker ACL lets only that account read under it. */
export function replyPrefix(requester: string): string {
  return `${REPLIES_ROOT}/${requester}/`;
}
/** The reply topic of one request (what the client subscribes to, and where a refusal goes when
 * the request's own replyTo cannot be used). */
export function replyTopicFor(requester: string, requestId: string): string {
  return `${replyPrefix(requester)}${requestId}`;
}

/** Why `topic` may not carry replies for `requester` (undefined: it may). Without a requester
 * (the old shared requests topic) any topic under tinyrack/replies/ is allowed. */
export function replyTopicProblem(topic: string, requester: string | undefined): string | undefined {
  const p = textProblem(topic, LIMITS.topicChars);
  if (p) return `replyTo ${p}`;
  if (/[+#]/.test(topic)) return 'replyTo must not contain MQTT wildcards';
  const prefix = requester === undefined ? `${REPLIES_ROOT}/` : replyPrefix(requester);
  if (!topic.startsWith(prefix) || topic.length === prefix.length) return `replyTo must be a topic under ${prefix}`;
  if (topic.split('/').some((level) => level === '')) return 'replyTo must not have empty topic levels';
  return undefined;
}

// --- clocks -----------------------------------------------------------------------------------

/** How far a sender's timestamp may be from the receiver's clock. Past: an agent's outbox may
 * hold a result for days while the daemon is away; future: a few minutes of NTP drift. */
export const CLOCK_WINDOW = { pastMs: 30 * 86_400_000, futureMs: 10 * 60_000 } as const;

export function inClockWindow(ms: number, now: number): boolean {
  return ms >= now - CLOCK_WINDOW.pastMs && ms <= now + CLOCK_WINDOW.futureMs;
}
