// The maximum packet size: the embedded broker refuses an oversized publish the way the shipped
// Mosquitto config does (max_packet_size, the same number read from the same file) — it closes
// the connection as soon as the packet's header announces too many bytes, before the body, and
// the message reaches no subscriber. A publish within the cap still goes through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { startEmbeddedBroker } from '../../daemon/broker/embedded-broker.ts';
import { mosquittoMaxPacketSize, SHIPPED_MOSQUITTO_CONF } from '../../daemon/broker/packet-cap.ts';
import { startMosquitto } from '../../tools/mosquitto.ts';

const CAP = mosquittoMaxPacketSize();

/** Connects with a raw socket, sends CONNECT, then only the fixed header of a PUBLISH announcing
 * `remaining` bytes. Resolves 'closed' when the broker drops the connection, 'open' if it still
 * waits for the body after waitMs. */
function announceHugePublish(port: number, remaining: number, waitMs: number): Promise<'closed' | 'open'> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1');
    let timer: NodeJS.Timeout | undefined;
    s.once('error', (e) => { if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(e); });
    s.once('close', () => { clearTimeout(timer); resolve('closed'); });
    s.once('connect', () => {
      s.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'huge-1', keepalive: 60 }));
      s.once('data', () => { // CONNACK
        const len: number[] = [];
        for (let x = remaining; ; ) { let b = x % 128; x = Math.floor(x / 128); if (x > 0) b |= 128; len.push(b); if (x === 0) break; }
        s.write(Buffer.from([0x30, ...len])); // PUBLISH QoS 0, then nothing of its body
        timer = setTimeout(() => { s.destroy(); resolve('open'); }, waitMs);
      });
    });
  });
}

test('the embedded broker caps packets at the shipped Mosquitto max_packet_size', { timeout: 60_000 }, async () => {
  assert.equal(CAP, Number(/^max_packet_size (\d+)$/m.exec(readFileSync(SHIPPED_MOSQUITTO_CONF, 'utf8'))![1]));
  assert.ok(CAP >= 12 * 1024 * 1024 * 4 / 3, 'the largest upload the lab config allows (12 MiB, base64) fits in one packet');
  const broker = await startEmbeddedBroker();
  const sub = await mqtt.connectAsync(broker.url, { clientId: 'cap-sub', protocolVersion: 4 });
  const pub = await mqtt.connectAsync(broker.url, { clientId: 'cap-pub', protocolVersion: 4, reconnectPeriod: 0 });
  try {
    const got: number[] = [];
    sub.on('message', (_t, p) => got.push(p.length));
    await sub.subscribeAsync('cap/#', { qos: 1 });
    // Within the cap: delivered. (Topic "cap/x" and the 2-byte packet id make 9 bytes beside the payload.)
    const fits = CAP - 1 - 4 - 9;
    await pub.publishAsync('cap/x', Buffer.alloc(fits, 1), { qos: 1 });
    const until = Date.now() + 20_000;
    while (got.length < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(got, [fits], 'a publish of exactly the cap is delivered');
    // One byte over: the connection is closed and nobody receives it.
    const closed = new Promise<void>((r) => pub.stream.once('close', () => r()));
    pub.publish('cap/x', Buffer.alloc(fits + 1, 2), { qos: 1 });
    await closed;
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(got, [fits], 'the oversized publish reached no subscriber');
    // Refused from the header alone: the body is never waited for (nor buffered).
    assert.equal(await announceHugePublish(broker.port, 200 * 1024 * 1024, 5000), 'closed');
  } finally {
    pub.end(true);
    await sub.endAsync();
    await broker.close();
  }
});

test('Mosquitto with the shipped max_packet_size refuses the same announced packet', { timeout: 60_000 }, async () => {
  const mq = await startMosquitto({ persistence: false, extraConfig: [`max_packet_size ${CAP}`] });
  try {
    assert.equal(await announceHugePublish(mq.port, 200 * 1024 * 1024, 5000), 'closed');
  } finally {
    await mq.dispose();
  }
});
