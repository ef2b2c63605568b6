// The client side of the daemon's MQTT interface: send a flash request (or a suite-run request)
// and follow the replies on a private reply topic until the final answer or a timeout. Used by
// `tinyrack request`, `tinyrack suite run`, the demo and the tests.
//
// Requests go to the requester's own topic (tinyrack/requests/<user>) and replies come back under
// tinyrack/replies/<user>/<requestId>: the broker ACL lets only <user> write the one and read the
// other. Without an account the requester is "anonymous" (a broker without ACLs only).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import {
  topics, suiteTopics, encode, isSafeId, replyTopicFor, SAFE_ID_RULE, type FlashRequest, type JobResult, type RequestReply, type SuiteRunReply,
} from '../wire/mqtt.ts';
import { firmwareRequestTopics } from '../wire/mqtt.ts';

/** How a client reaches the broker: an account, and TLS options (ca/cert/key) for mqtts://. */
export interface ClientCredentials { username?: string; password?: string; tls?: Pick<IClientOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'> }

/** The requester name the daemon will see: the account name (the ACL pins the topic to it). */
export function requesterOf(opts: ClientCredentials): string {
  const who = opts.username ?? 'anonymous';
  if (!isSafeId(who)) throw new Error(`broker username "${who}" cannot name a request topic: use ${SAFE_ID_RULE}`);
  return who;
}

export interface FlashOutcome { requestId: string; jobId?: string; result?: JobResult; rejected?: string; failed?: string; replies: RequestReply[] }

async function connect(url: string, opts: ClientCredentials = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, {
    clientId: `tinyrack-client-${randomUUID().slice(0, 8)}`, clean: true, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000,
    ...(opts.username ? { username: opts.username, password: opts.password } : {}), ...opts.tls,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', (err) => { client.end(true); reject(new Error(`cannot connect to the broker at ${url}: ${err.message}`)); });
  });
  return client;
}

/** Sends a flash request and resolves with its final result (or rejection / failure). */
export async function flash(
  url: string,
  req: Omit<FlashRequest, 'v' | 'requestId' | 'replyTo'> & { requestId?: string },
  opts: { timeoutMs: number; onReply?: (r: RequestReply) => void;
    /** Bring your own firmware: publish on tinyrack/requests/firmware/<client> (the broker ACL
     * lets each account use only its own name there); the client is the requester. */
    firmwareClient?: string } & ClientCredentials,
): Promise<FlashOutcome> {
  const requestId = req.requestId ?? randomUUID();
  const requester = opts.firmwareClient ?? requesterOf(opts);
  const replyTo = replyTopicFor(requester, requestId);
  const client = await connect(url, opts);
  const replies: RequestReply[] = [];
  try {
    await client.subscribeAsync(replyTo, { qos: 1 });
    const outcome = await new Promise<FlashOutcome>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no result for request ${requestId} within ${opts.timeoutMs} ms` +
        (replies.length ? ` (last reply: ${replies.at(-1)!.type})` : ' (no reply at all: is the daemon running on this broker?)'))), opts.timeoutMs);
      let jobId: string | undefined;
      client.on('message', (_t, payload) => {
        let r: RequestReply;
        try { r = JSON.parse(payload.toString('utf8')) as RequestReply; } catch { return; }
        if (r.requestId !== requestId) return;
        replies.push(r);
        opts.onReply?.(r);
        const done = (o: FlashOutcome) => { clearTimeout(timer); resolve(o); };
        if (r.type === 'accepted') jobId = r.jobId;
        else if (r.type === 'rejected') done({ requestId, rejected: r.reason, replies });
        else if (r.type === 'result') done({ requestId, jobId: r.jobId, result: r.result, replies });
        else if (r.type === 'progress' && r.phase === 'failed' && r.message?.startsWith('gave up')) done({ requestId, jobId, failed: r.message, replies });
      });
      const full: FlashRequest = {
        v: 1, requestId, replyTo, model: req.model, board: req.board, backend: req.backend, tiling: req.tiling,
        // Absent stays absent: the daemon reads it as reference, and older daemons see the payload they know.
        ...(req.arithmetic ? { arithmetic: req.arithmetic } : {}), reps: req.reps,
        ...(req.protocol ? { protocol: req.protocol } : {}), ...(req.firmware ? { firmware: req.firmware } : {}),
        ...(req.validateAllSamples !== undefined ? { validateAllSamples: req.validateAllSamples } : {}),
      };
      // Bring your own firmware goes to tinyrack/requests/firmware/<client>, where the lab's
      // privilege check (daemon/firmware-uploads.ts) reads who submitted it.
      client.publish(opts.firmwareClient ? firmwareRequestTopics.request(requester) : topics.requestsOf(requester), encode(full), { qos: 1 });
    });
    return outcome;
  } finally {
    await client.endAsync();
  }
}

/** Publishes a raw payload on a requests topic (default: the anonymous requester's) and collects
 * replies on replyTo (a topic or filter) until waitForReplies arrived or timeoutMs passed. */
export async function rawRequest(
  url: string, payload: string | Buffer, replyTo: string, waitForReplies: number, timeoutMs: number,
  opts: { topic?: string } & ClientCredentials = {},
): Promise<RequestReply[]> {
  const client = await connect(url, opts);
  const replies: RequestReply[] = [];
  try {
    await client.subscribeAsync(replyTo, { qos: 1 });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      client.on('message', (_t, p) => {
        try { replies.push(JSON.parse(p.toString('utf8'))); } catch { return; }
        if (replies.length >= waitForReplies) { clearTimeout(timer); resolve(); }
      });
      client.publish(opts.topic ?? topics.requestsOf(requesterOf(opts)), payload, { qos: 1 });
    });
    return replies;
  } finally {
    await client.endAsync();
  }
}

/** Asks a running daemon to start a suite; with waitFinished, also waits for the run to end. */
export async function runSuite(
  url: string, suite: string,
  opts: { timeoutMs: number; waitFinished: boolean; onReply?: (r: SuiteRunReply) => void } & ClientCredentials,
): Promise<SuiteRunReply[]> {
  const requestId = randomUUID();
  const requester = requesterOf(opts);
  const replyTo = replyTopicFor(requester, requestId);
  const client = await connect(url, opts);
  const replies: SuiteRunReply[] = [];
  try {
    await client.subscribeAsync(replyTo, { qos: 1 });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${opts.waitFinished ? 'end of the suite run' : 'answer'} within ${opts.timeoutMs} ms` +
        (replies.length ? '' : ' (no reply at all: is the daemon running on this broker?)'))), opts.timeoutMs);
      client.on('message', (_t, payload) => {
        let r: SuiteRunReply;
        try { r = JSON.parse(payload.toString('utf8')) as SuiteRunReply; } catch { return; }
        if (r.requestId !== requestId) return;
        replies.push(r);
        opts.onReply?.(r);
        if (r.type !== 'started' || !opts.waitFinished) { clearTimeout(timer); resolve(); }
      });
      client.publish(suiteTopics.runOf(requester), encode({ v: 1, requestId, suite, replyTo }), { qos: 1 });
    });
    return replies;
  } finally {
    await client.endAsync();
  }
}

/** Credentials for `tinyrack request` / `tinyrack suite run`: flags first, then the environment
 * (TINYRACK_BROKER_USERNAME, TINYRACK_BROKER_PASSWORD or TINYRACK_BROKER_PASSWORD_FILE,
 * TINYRACK_BROKER_CA for an mqtts:// lab broker with its own CA). A password is never a flag:
 * it would show in `ps` and the shell history. */
export function clientCredentials(o: { username?: string; passwordFile?: string; ca?: string }, env: NodeJS.ProcessEnv = process.env): ClientCredentials {
  const read = (path: string, what: string): string => {
    try { return readFileSync(path, 'utf8'); } catch (e) { throw new Error(`cannot read ${what} ${path}: ${(e as Error).message}`); }
  };
  const username = o.username ?? env.TINYRACK_BROKER_USERNAME;
  const passwordFile = o.passwordFile ?? env.TINYRACK_BROKER_PASSWORD_FILE;
  const password = passwordFile ? read(passwordFile, 'password file').replace(/\r?\n$/, '') : env.TINYRACK_BROKER_PASSWORD;
  const ca = o.ca ?? env.TINYRACK_BROKER_CA;
  return {
    ...(username ? { username, ...(password !== undefined ? { password } : {}) } : {}),
    ...(ca ? { tls: { ca: read(ca, 'CA file') } } : {}),
  };
}
