// An in-process MQTT 3.1.1 broker (aedes) for a single-machine lab: used when no broker URL is
// configured, so the daemon, agents and `tinyrack request` work with nothing else installed.
// It listens on loopback only; a real lab points everything at its Mosquitto instead.
import net from 'node:net';
import { createRequire } from 'node:module';

// aedes is CommonJS whose typings declare ESM exports; require() gives what the typings describe.
const { createBroker } = createRequire(import.meta.url)('aedes') as typeof import('aedes');

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(opts: { port?: number; host?: string } = {}): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const wanted = opts.port ?? 0; // 0: the OS picks a free port
  const broker = createBroker();
  const server = net.createServer(broker.handle);
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
