// Mosquitto's password file, read and written by tinyrack: one `user:hash` line per account,
// hashed at rest. The same file serves Mosquitto (password_file) and the embedded broker, and
// `mosquitto_passwd` and tinyrack can each add to a file the other made.
// Formats (Mosquitto 2.0, src/password_mosq.c): `$7$<iterations>$<salt b64>$<hash b64>` is
// PBKDF2-HMAC-SHA512 with a 12-byte salt and a 64-byte key (written by us, Mosquitto's default);
// `$6$<salt b64>$<hash b64>` is SHA-512 over password + salt (older files; read only).
import { createHash, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Mosquitto's own default; mosquitto_passwd -I raises it. */
export const PBKDF2_ITERATIONS = 101;

export class PasswordFileError extends Error { override name = 'PasswordFileError'; }

export function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): string {
  const salt = randomBytes(12);
  const key = pbkdf2Sync(password, salt, iterations, 64, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export function verifyPassword(password: string, hash: string): boolean {
  const p = hash.split('$');
  let want: Buffer; let got: Buffer;
  if (p[1] === '7' && p.length === 5) {
    const iterations = Number(p[2]);
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > 10_000_000) return false;
    want = Buffer.from(p[4]!, 'base64');
    got = pbkdf2Sync(password, Buffer.from(p[3]!, 'base64'), iterations, want.length || 64, 'sha512');
  } else if (p[1] === '6' && p.length === 4) {
    want = Buffer.from(p[3]!, 'base64');
    got = createHash('sha512').update(password).update(Buffer.from(p[2]!, 'base64')).digest();
  } else return false;
  return want.length === got.length && want.length > 0 && timingSafeEqual(want, got);
}

/** user -> hash; refuses a clear-text or unknown line with its line number. */
export function parsePasswordFile(text: string, source = '<password file>'): Map<string, string> {
  const users = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (!line.trim() || line.startsWith('#')) return;
    const at = line.indexOf(':');
    const hash = line.slice(at + 1);
    if (at <= 0 || !/^\$[67]\$/.test(hash)) throw new PasswordFileError(`${source}:${i + 1}: not a "user:$7$..." line (clear-text passwords are not accepted: hash the file with mosquitto_passwd -U)`);
    users.set(line.slice(0, at), hash);
  });
  return users;
}

export function readPasswordFile(path: string): Map<string, string> {
  if (!existsSync(path)) return new Map();
  return parsePasswordFile(readFileSync(path, 'utf8'), path);
}

/** Sets (adds or replaces) one account's password, hashed; the file stays 0600 and is replaced
 * atomically, so a broker reading it never sees half a file. */
export function setPassword(path: string, user: string, password: string): void {
  if (!user || /[:\n\r]/.test(user)) throw new PasswordFileError(`account name ${JSON.stringify(user)} may not contain ":" or line breaks`);
  const users = readPasswordFile(path);
  users.set(user, hashPassword(password));
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, [...users].map(([u, h]) => `${u}:${h}\n`).join(''), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
