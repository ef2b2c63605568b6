// An in-process MQTT 3.1.1 broker (aedes) for a single-machine lab: used when no broker URL is
// configured, so the daemon, agents and `tinyrack request` work with nothing else installed.
// It listens on loopback only; a real lab points everything at its Mosquitto instead.
//
// It enforces what the lab's Mosquitto enforces, from the same files: accounts from a
// Mosquitto-format password file (daemon/broker/passwd.ts, hashed at rest), topic rights from the
// shipped ACL (daemon/broker/acl.ts), no anonymous access unless asked for. Where aedes differs
// from Mosquitto: a publish the ACL refuses disconnects the client (Mosquitto drops the message
// and keeps the connection); either way the message reaches nobody. Packets are capped at the
// shipped Mosquitto config's max_packet_size (daemon/broker/packet-cap.ts).
import net from 'node:net';
import { createRequire } from 'node:module';
import { timingSafeEqual } from 'node:crypto';
import type { Acl } from './acl.ts';
import { readPasswordFile, verifyPassword } from './passwd.ts';
import { capPacketSize, mosquittoMaxPacketSize } from './packet-cap.ts';

// aedes is CommonJS whose typings declare ESM exports; require() gives what the typings describe.
const { createBroker } = createRequire(import.meta.url)('aedes') as typeof import('aedes');

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface BrokerAuth {
  /** Mosquitto-format password file; read at every login, so accounts added later count at once. */
  passwordFile?: string;
  /** Accounts kept in memory only (the daemon's own, with a password made at each start). */
  accounts?: ReadonlyMap<string, string>;
  acl: Acl;
  /** Accept clients without a username (default false). */
  anonymous?: boolean;
  log?: (line: string) => void;
}

export interface EmbeddedBrokerOptions {
  port?: number;
  host?: string;
  auth?: BrokerAuth;
  /** Largest packet accepted, header included (default: the shipped Mosquitto config's max_packet_size). */
  maxPacketBytes?: number;
  log?: (line: string) => void;
}

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const wanted = opts.port ?? 0; // 0: the OS picks a free port
  const broker = createBroker(opts.auth ? authHooks(opts.auth) : {});
  const maxPacket = opts.maxPacketBytes ?? mosquittoMaxPacketSize();
  const log = opts.log ?? opts.auth?.log ?? (() => {});
  const server = net.createServer((socket) => capPacketSize(broker.handle(socket, undefined as never), maxPacket, (what) => log(`broker: ${what}`)));
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`embedded MQTT broker cannot listen on ${host}:${wanted}: ${err.message}`)));
    server.listen(wanted, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : wanted;
  return {
    url: `mqtt://${host}:${port}`,
    port,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Hooks = NonNullable<Parameters<typeof createBroker>[0]>;

function authHooks(auth: BrokerAuth): Hooks {
  const log = auth.log ?? (() => {});
  // The account each connection logged in with (undefined: anonymous).
  const userOf = new WeakMap<object, string | undefined>();
  const refuse = (code: 4 | 5, message: string) => Object.assign(new Error(message), { returnCode: code });
  const checkPassword = (user: string, password: string): boolean => {
    const mem = auth.accounts?.get(user);
    if (mem !== undefined) {
      const a = Buffer.from(mem); const b = Buffer.from(password);
      return a.length === b.length && timingSafeEqual(a, b);
    }
    const hash = auth.passwordFile ? readPasswordFile(auth.passwordFile).get(user) : undefined;
    return hash !== undefined && verifyPassword(password, hash);
  };
  return {
    authenticate(client, username, password, done) {
      try {
        if (username === undefined || username === '') {
          if (auth.anonymous) { userOf.set(client, undefined); return done(null, true); }
          log(`broker: refused client ${client.id}: no username (anonymous access is off)`);
          return done(refuse(5, 'Not authorized'), false);
        }
        if (!checkPassword(username, password ? Buffer.from(password).toString('utf8') : '')) {
          log(`broker: refused client ${client.id}: bad username or password for ${JSON.stringify(username.slice(0, 64))}`);
          return done(refuse(4, 'Bad username or password'), false);
        }
        userOf.set(client, username);
        done(null, true);
      } catch (e) {
        log(`broker: refused client ${client.id}: ${(e as Error).message}`);
        done(refuse(5, 'Not authorized'), false);
      }
    },
    authorizePublish(client, packet, done) {
      if (!client) return done(null); // the broker's own messages ($SYS)
      if (auth.acl.allows(userOf.get(client), client.id, packet.topic, 'write')) return done(null);
      log(`broker: refused publish by ${userOf.get(client) ?? '(anonymous)'} on ${JSON.stringify(packet.topic.slice(0, 200))}`);
      done(new Error(`not authorized to publish on ${packet.topic}`));
    },
    authorizeSubscribe(client, sub, done) {
      if (auth.acl.allows(userOf.get(client), client.id, sub.topic, 'read')) return done(null, sub);
      log(`broker: refused subscription of ${userOf.get(client) ?? '(anonymous)'} to ${JSON.stringify(sub.topic.slice(0, 200))}`);
      done(null, null); // SUBACK 0x80, the connection stays (as with Mosquitto)
    },
    authorizeForward(client, packet) {
      return auth.acl.allows(userOf.get(client), client.id, packet.topic, 'read') ? packet : null;
    },
  };
}
