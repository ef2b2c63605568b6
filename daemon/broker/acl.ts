// Mosquitto's ACL file format, read and enforced by the embedded broker, so that the lab's one
// ACL (provisioning/mosquitto/tinyrack.acl) means the same on both brokers. Mosquitto's rules
// (mosquitto.conf(5), acl_file), implemented here:
// - `user <name>` starts a block; `topic [read|write|readwrite|deny] <topic>` lines before any
//   `user` line apply to anonymous clients, after it to that user; access defaults to readwrite;
// - `pattern [access] <topic>` lines apply to every client, with %u replaced by the username and
//   %c by the client id (a client whose name holds a wildcard or "/" matches no pattern);
// - a client's own `topic` lines are checked first, then the patterns; `deny` wins where it matches;
// - publishing needs write on the topic; subscribing needs read on the filter taken literally
//   (subscribing to tinyrack/replies/# is refused where only tinyrack/replies/alice/# is readable);
//   each delivered message needs read on its topic.
import { readFileSync } from 'node:fs';

export type Access = 'read' | 'write';
type Grant = 'read' | 'write' | 'readwrite' | 'deny';
interface Rule { grant: Grant; topic: string }

export interface Acl {
  /** Whether `user` (undefined: anonymous) with client id `clientId` may read or write `topic`. */
  allows(user: string | undefined, clientId: string, topic: string, access: Access): boolean;
}

export class AclError extends Error { override name = 'AclError'; }

/** MQTT topic filter matching (`+` one level, `#` the rest), a filter against a topic. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export function parseAcl(text: string, source = '<acl>'): Acl {
  const anonymous: Rule[] = [];
  const users = new Map<string, Rule[]>();
  const patterns: Rule[] = [];
  let current: Rule[] = anonymous;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(user|topic|pattern)\s+(.+)$/.exec(line);
    if (!m) throw new AclError(`${source}:${i + 1}: not an ACL line: ${line}`);
    const [, kind, rest] = m as unknown as [string, string, string];
    if (kind === 'user') {
      current = users.get(rest) ?? [];
      users.set(rest, current);
      return;
    }
    const g = /^(read|write|readwrite|deny)\s+(\S.*)$/.exec(rest);
    const rule: Rule = g ? { grant: g[1] as Grant, topic: g[2]! } : { grant: 'readwrite', topic: rest };
    (kind === 'pattern' ? patterns : current).push(rule);
  });
  const decide = (rules: Rule[], topic: string, access: Access, expand: (t: string) => string | undefined): boolean | undefined => {
    let granted: boolean | undefined;
    for (const r of rules) {
      const filter = expand(r.topic);
      if (filter === undefined || !topicMatches(filter, topic)) continue;
      if (r.grant === 'deny') return false;
      if (r.grant === 'readwrite' || r.grant === access) granted = true;
    }
    return granted;
  };
  return {
    allows(user, clientId, topic, access) {
      const own = user === undefined ? anonymous : users.get(user) ?? [];
      const d = decide(own, topic, access, (t) => t);
      if (d !== undefined) return d;
      const unsafe = (s: string | undefined) => s === undefined || /[+#/]/.test(s);
      return decide(patterns, topic, access, (t) => {
        if (t.includes('%u') && unsafe(user)) return undefined;
        if (t.includes('%c') && unsafe(clientId)) return undefined;
        return t.replaceAll('%u', user ?? '').replaceAll('%c', clientId);
      }) ?? false;
    },
  };
}

export function loadAcl(path: string): Acl {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) { throw new AclError(`cannot read ACL file ${path}: ${(e as Error).message}`); }
  return parseAcl(text, path);
}
