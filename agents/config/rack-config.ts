// The rack configuration: one YAML file per lab machine saying who the agent is, which broker it
// talks to, which physical boards are plugged in (and how to power-cycle and measure them), how
// many virtual boards to run, and the health policy. Every mistake is reported with the file,
// line and field so a lab technician can fix it without reading code.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, isMap, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { probeKinds } from '../power/registry.ts';

export interface BrokerTls {
  ca?: string;
  cert?: string;
  key?: string;
  /** Default true; false only for a lab broker with a self-signed certificate and no CA file. */
  rejectUnauthorized: boolean;
}

export interface BrokerConfig {
  url: string;
  username?: string;
  password?: string;
  /** Read at start-up; keeps the secret out of the rack file. */
  passwordFile?: string;
  tls?: BrokerTls;
}

export interface PowerSwitchConfig { kind: 'uhubctl'; hub: string; port: number }
/** kind: a power-probe driver (agents/power/registry.ts). */
export interface PowerProbeConfig { kind: string; serialNumber?: string; port?: string; voltageMv: number }

export interface PhysicalBoardConfig {
  /** Unique board instance id within the lab. */
  id: string;
  /** Board definition id (boards/index.ts), e.g. "nucleo-f446re". */
  kind: string;
  /** USB serial number of the board's probe; the way to tell two identical boards apart. */
  serialNumber?: string;
  /** Console port when it cannot be found by serial number (e.g. /dev/ttyUSB0). */
  port?: string;
  power?: PowerSwitchConfig;
  probe?: PowerProbeConfig;
}

export interface VirtualBoardConfig { kind: string; count: number }

export interface HealthPolicy {
  /** Extra attempts of a failed flash or run on the same board before the job fails. */
  retries: number;
  backoffMs: number;
  backoffFactor: number;
  /** Consecutive failed jobs after which a board is quarantined. */
  quarantineAfter: number;
  /** Model of the smoke job that must pass before a quarantined board returns. */
  smokeModel: string;
  /** Time limits of one job's steps. */
  buildTimeoutS: number;
  flashTimeoutS: number;
  runTimeoutS: number;
  /** Seconds between health samples (agent load, memory, disk, per-board counters) on the health topic. */
  sampleIntervalS: number;
}

export interface RackConfig {
  /** Path of the file this came from (relative paths inside it resolve against its folder). */
  source: string;
  agentId: string;
  broker: BrokerConfig;
  workDir: string;
  boards: PhysicalBoardConfig[];
  virtual: VirtualBoardConfig[];
  health: HealthPolicy;
  /** How often USB devices are re-enumerated to notice hot-plugging. */
  discoveryIntervalMs: number;
}

export const DEFAULT_HEALTH: HealthPolicy = {
  retries: 1, backoffMs: 1000, backoffFactor: 2, quarantineAfter: 3, smokeModel: 'sine_model',
  buildTimeoutS: 600, flashTimeoutS: 120, runTimeoutS: 300, sampleIntervalS: 60,
};

export class RackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0]! : `${problems.length} problems:\n  ${problems.join('\n  ')}`);
    this.name = 'RackConfigError';
  }
}

const ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** Reads and validates a rack file. Throws RackConfigError listing every problem found. */
export function loadRackConfig(path: string): RackConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RackConfigError([`cannot read rack config ${path}: ${(err as Error).message}`]);
  }
  return parseRackConfig(text, resolve(path));
}

export function parseRackConfig(text: string, source = '<rack config>'): RackConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const problems: string[] = [];
  const where = (node: Node | null | undefined): string => {
    const offset = node?.range?.[0];
    return offset === undefined ? source : `${source}:${lineCounter.linePos(offset).line}`;
  };
  for (const e of doc.errors) {
    problems.push(`${source}:${lineCounter.linePos(e.pos[0]).line}: YAML syntax error: ${e.message.split('\n')[0]}`);
  }
  if (problems.length) throw new RackConfigError(problems);

  const r = new Reader(doc, where, problems);
  const base = dirname(source);
  const agentId = r.str(['agentId'], { pattern: ID });
  const broker: BrokerConfig = {
    url: r.str(['broker', 'url'], { pattern: /^(mqtts?|wss?|tcp|ssl):\/\/.+/, hint: 'mqtt://host:port or mqtts://host:port' }),
    username: r.optStr(['broker', 'username']),
    password: r.optStr(['broker', 'password']),
    passwordFile: r.optPath(['broker', 'passwordFile'], base),
  };
  if (broker.password !== undefined && broker.passwordFile !== undefined) {
    r.fail(['broker', 'passwordFile'], 'and broker.password are both given: use one');
  }
  if (r.has(['broker', 'tls'])) {
    broker.tls = {
      ca: r.optPath(['broker', 'tls', 'ca'], base),
      cert: r.optPath(['broker', 'tls', 'cert'], base),
      key: r.optPath(['broker', 'tls', 'key'], base),
      rejectUnauthorized: r.optBool(['broker', 'tls', 'rejectUnauthorized']) ?? true,
    };
    if ((broker.tls.cert === undefined) !== (broker.tls.key === undefined)) {
      r.fail(['broker', 'tls'], 'cert and key must be given together');
    }
  }
  const workDir = resolve(base, r.optStr(['workDir']) ?? '.tinyrack-agent');

  const boards: PhysicalBoardConfig[] = [];
  const seenIds = new Set<string>();
  r.list(['boards']).forEach((_, i) => {
    const p = ['boards', i];
    const b: PhysicalBoardConfig = {
      id: r.str([...p, 'id'], { pattern: ID }),
      kind: r.str([...p, 'kind'], { pattern: ID }),
      serialNumber: r.optStr([...p, 'serialNumber']),
      port: r.optStr([...p, 'port']),
    };
    if (b.serialNumber === undefined && b.port === undefined) {
      r.fail(p, 'needs serialNumber (USB serial of its probe) or port (console device) to be found');
    }
    if (seenIds.has(b.id)) r.fail([...p, 'id'], `duplicate board id "${b.id}"`);
    seenIds.add(b.id);
    if (r.has([...p, 'power'])) {
      r.str([...p, 'power', 'kind'], { oneOf: ['uhubctl'] });
      b.power = { kind: 'uhubctl', hub: r.str([...p, 'power', 'hub'], { pattern: /^[0-9][0-9.-]*$/, hint: 'a uhubctl location such as 1-1.4' }),
        port: r.int([...p, 'power', 'port'], 1, 32) };
    }
    if (r.has([...p, 'probe'])) {
      b.probe = { kind: r.str([...p, 'probe', 'kind'], { oneOf: probeKinds() }), serialNumber: r.optStr([...p, 'probe', 'serialNumber']), port: r.optStr([...p, 'probe', 'port']),
        voltageMv: r.optInt([...p, 'probe', 'voltageMv'], 800, 5000) ?? 3300 };
      if (b.probe.serialNumber === undefined && b.probe.port === undefined) {
        r.fail([...p, 'probe'], 'needs serialNumber or port');
      }
    }
    r.unknownKeys(p, ['id', 'kind', 'serialNumber', 'port', 'power', 'probe']);
    boards.push(b);
  });

  const virtual: VirtualBoardConfig[] = r.list(['virtual']).map((_, i) => ({
    kind: r.str(['virtual', i, 'kind'], { pattern: ID }),
    count: r.optInt(['virtual', i, 'count'], 0, 16) ?? 1,
  }));

  const health: HealthPolicy = {
    retries: r.optInt(['health', 'retries'], 0, 10) ?? DEFAULT_HEALTH.retries,
    backoffMs: r.optInt(['health', 'backoffMs'], 0, 600_000) ?? DEFAULT_HEALTH.backoffMs,
    backoffFactor: r.optNum(['health', 'backoffFactor'], 1, 10) ?? DEFAULT_HEALTH.backoffFactor,
    quarantineAfter: r.optInt(['health', 'quarantineAfter'], 1, 100) ?? DEFAULT_HEALTH.quarantineAfter,
    smokeModel: r.optStr(['health', 'smokeModel']) ?? DEFAULT_HEALTH.smokeModel,
    buildTimeoutS: r.optNum(['health', 'buildTimeoutS'], 1, 7200) ?? DEFAULT_HEALTH.buildTimeoutS,
    flashTimeoutS: r.optNum(['health', 'flashTimeoutS'], 1, 3600) ?? DEFAULT_HEALTH.flashTimeoutS,
    runTimeoutS: r.optNum(['health', 'runTimeoutS'], 0.1, 7200) ?? DEFAULT_HEALTH.runTimeoutS,
    // At least 1 s: samples are for dashboards, not a high-rate stream over the lab broker.
    sampleIntervalS: r.optNum(['health', 'sampleIntervalS'], 1, 86_400) ?? DEFAULT_HEALTH.sampleIntervalS,
  };
  const discoveryIntervalMs = r.optInt(['discovery', 'intervalMs'], 100, 3_600_000) ?? 5000;
  r.unknownKeys([], ['agentId', 'broker', 'workDir', 'boards', 'virtual', 'health', 'discovery']);
  r.unknownKeys(['broker'], ['url', 'username', 'password', 'passwordFile', 'tls']);
  r.unknownKeys(['health'], Object.keys(DEFAULT_HEALTH));

  if (problems.length) throw new RackConfigError(problems);
  return { source, agentId, broker, workDir, boards, virtual, health, discoveryIntervalMs };
}

/** Reads the broker password (from the file if one is configured). */
export function brokerPassword(broker: BrokerConfig): string | undefined {
  if (broker.passwordFile === undefined) return broker.password;
  try {
    return readFileSync(broker.passwordFile, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new Error(`cannot read broker.passwordFile ${broker.passwordFile}: ${(err as Error).message}`);
  }
}

type Path = (string | number)[];

/** Typed field access on the YAML document that records problems with their line numbers. */
class Reader {
  constructor(private doc: Document, private where: (n: Node | null | undefined) => string, private problems: string[]) {}

  private node(path: Path): Node | undefined {
    const n = this.doc.getIn(path, true) as Node | undefined;
    return n ?? undefined;
  }

  /** The closest existing node on the path, for a line number when the field itself is absent. */
  private nearest(path: Path): Node | undefined {
    for (let i = path.length; i >= 0; i--) {
      const n = i === 0 ? (this.doc.contents as Node | null) : this.node(path.slice(0, i));
      if (n) return n;
    }
    return undefined;
  }

  fail(path: Path, msg: string): void {
    const name = path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '');
    this.problems.push(`${this.where(this.nearest(path))}: ${name || '(top level)'} ${msg}`);
  }

  has(path: Path): boolean {
    return this.doc.getIn(path) !== undefined && this.doc.getIn(path) !== null;
  }

  private value(path: Path): unknown {
    const v = this.doc.getIn(path);
    return v === null ? undefined : v;
  }

  str(path: Path, o: { pattern?: RegExp; oneOf?: string[]; hint?: string } = {}): string {
    const v = this.value(path);
    if (v === undefined) { this.fail(path, 'is required'); return ''; }
    return this.checkStr(path, v, o);
  }

  optStr(path: Path, o: { pattern?: RegExp; oneOf?: string[]; hint?: string } = {}): string | undefined {
    const v = this.value(path);
    return v === undefined ? undefined : this.checkStr(path, v, o);
  }

  optPath(path: Path, base: string): string | undefined {
    const v = this.optStr(path);
    return v === undefined ? undefined : resolve(base, v);
  }

  private checkStr(path: Path, v: unknown, o: { pattern?: RegExp; oneOf?: string[]; hint?: string }): string {
    // Numbers are accepted where a string is expected (serial numbers, hub locations) since YAML
    // reads 12345 as a number; the text is what the user meant.
    const s = typeof v === 'number' ? String(v) : v;
    if (typeof s !== 'string' || s.length === 0) { this.fail(path, 'must be a non-empty string'); return ''; }
    if (o.oneOf && !o.oneOf.includes(s)) this.fail(path, `must be one of ${o.oneOf.join(', ')} (got "${s}")`);
    if (o.pattern && !o.pattern.test(s)) this.fail(path, `"${s}" is not valid${o.hint ? ` (expected ${o.hint})` : ` (must match ${o.pattern})`}`);
    return s;
  }

  int(path: Path, min: number, max: number): number {
    if (this.value(path) === undefined) { this.fail(path, 'is required'); return min; }
    return this.optInt(path, min, max) ?? min;
  }

  optInt(path: Path, min: number, max: number): number | undefined {
    const v = this.value(path);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(path, `must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
      return undefined;
    }
    return v;
  }

  optNum(path: Path, min: number, max: number): number | undefined {
    const v = this.value(path);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      this.fail(path, `must be a number from ${min} to ${max} (got ${JSON.stringify(v)})`);
      return undefined;
    }
    return v;
  }

  optBool(path: Path): boolean | undefined {
    const v = this.value(path);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') { this.fail(path, 'must be true or false'); return undefined; }
    return v;
  }

  list(path: Path): unknown[] {
    const n = this.node(path);
    if (n === undefined || (n as { value?: unknown }).value === null) return [];
    if (!isSeq(n)) { this.fail(path, 'must be a list'); return []; }
    return n.items;
  }

  unknownKeys(path: Path, known: string[]): void {
    const n = path.length ? this.node(path) : (this.doc.contents as Node | null);
    if (!n) return;
    if (!isMap(n)) { this.fail(path, 'must be a mapping'); return; }
    for (const pair of n.items) {
      const key = (pair.key as { value?: unknown } | null)?.value;
      if (typeof key === 'string' && !known.includes(key)) {
        this.problems.push(`${this.where(pair.key as Node)}: unknown field ${[...path, key].join('.')} (known: ${known.join(', ')})`);
      }
    }
  }
}
