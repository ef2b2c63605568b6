// The lab config (YAML): where the daemon keeps its data, which broker and InfluxDB it uses, job
// and regression policy, and the regression suites (a matrix of models x board kinds x backends x
// tilings x arithmetics on a cron schedule). Every problem is reported with the file and line.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import cron from 'node-cron';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { ARITHMETICS, arithmeticFitsBackend, BACKENDS as BACKEND_NAMES, DEFAULT_ARITHMETIC, TILING_MODES, type Arithmetic, type Backend, type TilingMode } from '../wire/vocabulary.ts';
import { defaultRegressionConfig, type RegressionConfig } from './regressions.ts';
import { DEFAULT_COMMIT_WINDOW } from './unit-of-work.ts';

export interface SuiteExclusion { model?: string; board?: string; backend?: Backend; tiling?: TilingMode; arithmetic?: Arithmetic }

export interface SuiteConfig {
  name: string;
  /** node-cron expression (5 or 6 fields); absent = only run on demand. */
  cron?: string;
  models: string[];
  boards: string[];
  backends: Backend[];
  tilings: TilingMode[];
  /** Default [reference]. tflm cells are built in reference arithmetic only. */
  arithmetics: Arithmetic[];
  reps: number;
  /** Matrix cells to leave out (e.g. a model that does not fit a board). */
  exclude: SuiteExclusion[];
}

export interface LabConfig {
  source: string;
  /** Broker URL; absent = the daemon embeds one on embeddedBrokerPort. */
  broker?: string;
  brokerUsername?: string;
  brokerPassword?: string;
  /** A file holding the password (instead of brokerPassword in the config). */
  brokerPasswordFile?: string;
  /** TLS to a lab broker (mqtts://): files of the lab CA and, for client certificates, cert + key. */
  brokerTls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
  embeddedBrokerPort: number;
  /** The embedded broker's accounts and ACL (same formats as the lab's Mosquitto); passwordFile
   * absent = <dataDir>/broker.passwd (embeddedBrokerPasswordFile()). */
  embeddedBroker: { passwordFile?: string; aclFile: string; anonymous: boolean };
  dataDir: string;
  /** How long a small commit group waits for more messages (daemon/unit-of-work.ts, "Commit
   * window"): at most this much latency on acknowledgements, replies and job specs. 0: none. */
  commitWindowMs: number;
  influx?: { url: string; database: string; rawRetention: string };
  maxAttempts: number;
  attemptTimeoutMs: number;
  maxUploadBytes: number;
  /** Clients allowed to have their own firmware images flashed (bring your own firmware): none
   * unless the lab lists them; the broker ACL must let each publish only on its own
   * tinyrack/requests/firmware/<client> topic. */
  firmwareUploadClients: string[];
  /** Largest firmware image accepted, bytes. */
  maxFirmwareBytes: number;
  /** Flash and suite-run requests per requester: `burst` at once, then `perMinute` (daemon/rate-limit.ts). */
  requestRate: { perMinute: number; burst: number };
  /** Board kinds accepted in requests even before an agent reports one. */
  boardKinds: string[];
  regression: RegressionConfig;
  suites: SuiteConfig[];
}

export class LabConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0]! : `${problems.length} problems in the lab config:\n  ${problems.join('\n  ')}`);
    this.name = 'LabConfigError';
  }
}

/** The ACL shipped for the lab's Mosquitto, enforced by the embedded broker too. */
export const SHIPPED_ACL = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'provisioning', 'mosquitto', 'tinyrack.acl');

const BACKENDS: string[] = [...BACKEND_NAMES];
const TILINGS: string[] = [...TILING_MODES];
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function loadLabConfig(path: string): LabConfig {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (err) {
    throw new LabConfigError([`cannot read lab config ${path}: ${(err as Error).message}`]);
  }
  return parseLabConfig(text, resolve(path));
}

type Path = (string | number)[];

export function parseLabConfig(text: string, source = '<lab config>', baseDir = dirname(source)): LabConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const problems: string[] = [];
  for (const e of doc.errors) problems.push(`${source}:${lc.linePos(e.pos[0]).line}: YAML syntax error: ${e.message.split('\n')[0]}`);
  if (problems.length) throw new LabConfigError(problems);
  const at = (path: Path): string => {
    // The closest node that exists along the path gives the line.
    for (let n = path.length; n >= 0; n--) {
      const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Node | null | undefined;
      const off = node?.range?.[0];
      if (off !== undefined) return `${source}:${lc.linePos(off).line}`;
    }
    return source;
  };
  const fail = (path: Path, msg: string) => problems.push(`${at(path)}: ${path.join('.') || '(top)'} ${msg}`);
  const get = (path: Path): unknown => {
    const node = doc.getIn(path, true) as Node | undefined;
    return node === undefined ? undefined : (doc.getIn(path) as unknown);
  };
  const js = (path: Path): unknown => {
    const v = get(path);
    return v && typeof v === 'object' && 'toJSON' in (v as object) ? (v as { toJSON(): unknown }).toJSON() : v;
  };
  const optStr = (path: Path): string | undefined => {
    const v = js(path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || !v) { fail(path, 'must be a non-empty string'); return undefined; }
    return v;
  };
  const optInt = (path: Path, min: number, max: number, dflt: number): number => {
    const v = js(path);
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) { fail(path, `must be an integer in [${min}, ${max}]`); return dflt; }
    return v;
  };
  const optNum = (path: Path, min: number, dflt: number): number => {
    const v = js(path);
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) { fail(path, `must be a number >= ${min}`); return dflt; }
    return v;
  };
  const strList = (path: Path, opts: { allowed?: string[]; pattern?: RegExp; required: boolean; dflt?: string[] }): string[] => {
    const v = js(path);
    if (v === undefined || v === null) {
      if (opts.required) fail(path, 'is required (a list)');
      return opts.dflt ?? [];
    }
    if (!Array.isArray(v)) { fail(path, 'must be a list'); return []; }
    const out: string[] = [];
    v.forEach((x, i) => {
      if (typeof x !== 'string' || (opts.allowed && !opts.allowed.includes(x)) || (opts.pattern && !opts.pattern.test(x))) {
        fail([...path, i], opts.allowed ? `must be one of ${opts.allowed.join(', ')} (got ${JSON.stringify(x)})` : `is not a valid name: ${JSON.stringify(x)}`);
      } else out.push(x);
    });
    if (opts.required && v.length === 0) fail(path, 'must not be empty');
    return out;
  };
  const knownKeys = (path: Path, keys: string[]) => {
    const node = (path.length ? doc.getIn(path, true) : doc.contents) as Node | undefined;
    if (node === undefined || node === null) return;
    if (!isMap(node)) { fail(path, 'must be a mapping'); return; }
    for (const item of node.items) {
      const k = (item.key as { value?: unknown } | null)?.value;
      if (typeof k === 'string' && !keys.includes(k)) fail([...path, k], `is not a known setting (known: ${keys.join(', ')})`);
    }
  };

  knownKeys([], ['daemon', 'regression', 'boardKinds', 'suites']);
  knownKeys(['daemon'], ['broker', 'embeddedBrokerPort', 'embeddedBroker', 'dataDir', 'commitWindowMs', 'influx', 'jobs', 'requests']);
  knownKeys(['daemon', 'broker'], ['url', 'username', 'password', 'passwordFile', 'tls']);
  knownKeys(['daemon', 'broker', 'tls'], ['ca', 'cert', 'key', 'rejectUnauthorized']);
  knownKeys(['daemon', 'embeddedBroker'], ['passwordFile', 'aclFile', 'anonymous']);
  const optPath = (path: Path): string | undefined => { const v = optStr(path); return v === undefined ? undefined : isAbsolute(v) ? v : resolve(baseDir, v); };
  const optBool = (path: Path, dflt: boolean): boolean => {
    const v = js(path);
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') { fail(path, 'must be true or false'); return dflt; }
    return v;
  };
  knownKeys(['daemon', 'influx'], ['url', 'database', 'rawRetention']);
  knownKeys(['daemon', 'jobs'], ['maxAttempts', 'attemptTimeoutSec']);
  knownKeys(['daemon', 'requests'], ['maxUploadBytes', 'perMinute', 'burst', 'firmwareUploadClients', 'maxFirmwareBytes']);
  knownKeys(['regression'], ['baselineRuns', 'minRuns', 'instructionsThresholdPct', 'cyclesThresholdPct', 'memoryThresholdPct']);

  const broker = optStr(['daemon', 'broker', 'url']);
  if (broker && !/^(mqtts?|tcp|ssl|wss?):\/\/.+/.test(broker)) fail(['daemon', 'broker', 'url'], 'must be a URL like mqtt://host:1883');
  const influxUrl = optStr(['daemon', 'influx', 'url']);
  if (influxUrl && !/^https?:\/\/.+/.test(influxUrl)) fail(['daemon', 'influx', 'url'], 'must be a URL like http://127.0.0.1:8086');
  const rawRetention = optStr(['daemon', 'influx', 'rawRetention']) ?? '52w';
  if (!/^(INF|\d+[hdw])$/.test(rawRetention)) fail(['daemon', 'influx', 'rawRetention'], 'must be an InfluxDB duration like 52w, 90d or INF');
  const dataDirRaw = optStr(['daemon', 'dataDir']) ?? '.cache/tinyrack/daemon';
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(baseDir, dataDirRaw);
  if (optStr(['daemon', 'broker', 'password']) && optStr(['daemon', 'broker', 'passwordFile'])) fail(['daemon', 'broker', 'passwordFile'], 'and daemon.broker.password are both given: use one');
  const tlsGiven = (doc.getIn(['daemon', 'broker', 'tls'], true) as Node | undefined) !== undefined;
  const brokerTls = tlsGiven ? {
    ...(optPath(['daemon', 'broker', 'tls', 'ca']) ? { ca: optPath(['daemon', 'broker', 'tls', 'ca'])! } : {}),
    ...(optPath(['daemon', 'broker', 'tls', 'cert']) ? { cert: optPath(['daemon', 'broker', 'tls', 'cert'])! } : {}),
    ...(optPath(['daemon', 'broker', 'tls', 'key']) ? { key: optPath(['daemon', 'broker', 'tls', 'key'])! } : {}),
    rejectUnauthorized: optBool(['daemon', 'broker', 'tls', 'rejectUnauthorized'], true),
  } : undefined;
  if (brokerTls && (brokerTls.cert === undefined) !== (brokerTls.key === undefined)) fail(['daemon', 'broker', 'tls'], 'cert and key must be given together');

  const suites: SuiteConfig[] = [];
  const suitesNode = doc.getIn(['suites'], true) as Node | undefined;
  if (suitesNode !== undefined && suitesNode !== null) {
    if (!isMap(suitesNode)) fail(['suites'], 'must be a mapping of suite name to suite');
    else {
      for (const item of suitesNode.items) {
        const name = String((item.key as { value?: unknown } | null)?.value ?? '');
        const p: Path = ['suites', name];
        if (!NAME.test(name)) { fail(p, `suite name must match ${NAME}`); continue; }
        knownKeys(p, ['cron', 'models', 'boards', 'backends', 'tilings', 'arithmetics', 'reps', 'exclude']);
        const cronExpr = optStr([...p, 'cron']);
        if (cronExpr && !cron.validate(cronExpr)) fail([...p, 'cron'], `is not a valid cron expression: "${cronExpr}"`);
        const exclude: SuiteExclusion[] = [];
        const exNode = doc.getIn([...p, 'exclude'], true) as Node | undefined;
        if (exNode !== undefined && exNode !== null) {
          if (!isSeq(exNode)) fail([...p, 'exclude'], 'must be a list of {model, board, backend, tiling, arithmetic}');
          else exNode.items.forEach((_, i) => {
            const ep: Path = [...p, 'exclude', i];
            knownKeys(ep, ['model', 'board', 'backend', 'tiling', 'arithmetic']);
            const e: SuiteExclusion = {};
            const m = optStr([...ep, 'model']); if (m) e.model = m;
            const b = optStr([...ep, 'board']); if (b) e.board = b;
            const be = optStr([...ep, 'backend']);
            if (be) { if (BACKENDS.includes(be)) e.backend = be as Backend; else fail([...ep, 'backend'], `must be one of ${BACKENDS.join(', ')}`); }
            const t = optStr([...ep, 'tiling']);
            if (t) { if (TILINGS.includes(t)) e.tiling = t as TilingMode; else fail([...ep, 'tiling'], `must be one of ${TILINGS.join(', ')}`); }
            const a = optStr([...ep, 'arithmetic']);
            if (a) { if ((ARITHMETICS as readonly string[]).includes(a)) e.arithmetic = a as Arithmetic; else fail([...ep, 'arithmetic'], `must be one of ${ARITHMETICS.join(', ')}`); }
            if (!Object.keys(e).length) fail(ep, 'must name at least one of model, board, backend, tiling, arithmetic');
            exclude.push(e);
          });
        }
        const backends = strList([...p, 'backends'], { allowed: BACKENDS, required: false, dflt: ['aot'] }) as Backend[];
        const arithmetics = strList([...p, 'arithmetics'], { allowed: [...ARITHMETICS], required: false, dflt: [DEFAULT_ARITHMETIC] }) as Arithmetic[];
        // xnnpack is an AoT mode; a suite listing it without aot would silently run none of it.
        if (arithmetics.some((a) => a !== 'reference') && !backends.includes('aot')) {
          fail([...p, 'arithmetics'], `lists xnnpack but backends has no aot (tflm computes TFLite-Micro's fixed-point reference arithmetic only)`);
        }
        suites.push({
          name, ...(cronExpr ? { cron: cronExpr } : {}),
          models: strList([...p, 'models'], { pattern: NAME, required: true }),
          boards: strList([...p, 'boards'], { pattern: NAME, required: true }),
          backends,
          tilings: strList([...p, 'tilings'], { allowed: TILINGS, required: false, dflt: ['none'] }) as TilingMode[],
          arithmetics,
          reps: optInt([...p, 'reps'], 1, 1000, 3),
          exclude,
        });
      }
    }
  }

  const cfg: LabConfig = {
    source,
    ...(broker ? { broker } : {}),
    ...(optStr(['daemon', 'broker', 'username']) ? { brokerUsername: optStr(['daemon', 'broker', 'username'])! } : {}),
    ...(optStr(['daemon', 'broker', 'password']) ? { brokerPassword: optStr(['daemon', 'broker', 'password'])! } : {}),
    ...(optPath(['daemon', 'broker', 'passwordFile']) ? { brokerPasswordFile: optPath(['daemon', 'broker', 'passwordFile'])! } : {}),
    ...(brokerTls ? { brokerTls } : {}),
    embeddedBrokerPort: optInt(['daemon', 'embeddedBrokerPort'], 0, 65535, 1883),
    embeddedBroker: {
      // Accounts of the embedded broker: hashed, in the data folder unless the config says where.
      ...(optPath(['daemon', 'embeddedBroker', 'passwordFile']) ? { passwordFile: optPath(['daemon', 'embeddedBroker', 'passwordFile'])! } : {}),
      aclFile: optPath(['daemon', 'embeddedBroker', 'aclFile']) ?? SHIPPED_ACL,
      anonymous: optBool(['daemon', 'embeddedBroker', 'anonymous'], false),
    },
    dataDir,
    ...(influxUrl ? { influx: { url: influxUrl, database: optStr(['daemon', 'influx', 'database']) ?? 'tinyrack', rawRetention } } : {}),
    commitWindowMs: optInt(['daemon', 'commitWindowMs'], 0, 100, DEFAULT_COMMIT_WINDOW.ms),
    maxAttempts: optInt(['daemon', 'jobs', 'maxAttempts'], 1, 100, 3),
    attemptTimeoutMs: optInt(['daemon', 'jobs', 'attemptTimeoutSec'], 1, 86_400, 600) * 1000,
    // At most 12 MiB: as base64 with the rest of the request it stays under the 16 MiB packet
    // limit of the shipped Mosquitto config.
    maxUploadBytes: optInt(['daemon', 'requests', 'maxUploadBytes'], 1024, 12 * 1024 * 1024, 4 * 1024 * 1024),
    requestRate: {
      perMinute: optInt(['daemon', 'requests', 'perMinute'], 1, 1_000_000, 120),
      burst: optInt(['daemon', 'requests', 'burst'], 1, 1_000_000, 30),
    },
    firmwareUploadClients: strList(['daemon', 'requests', 'firmwareUploadClients'], { pattern: NAME, required: false }),
    // Same bound as uploads: the image as base64 must fit the broker's 16 MiB packet limit.
    maxFirmwareBytes: optInt(['daemon', 'requests', 'maxFirmwareBytes'], 1024, 12 * 1024 * 1024, 8 * 1024 * 1024),
    boardKinds: strList(['boardKinds'], { pattern: NAME, required: false }),
    regression: {
      baselineRuns: optInt(['regression', 'baselineRuns'], 1, 1000, defaultRegressionConfig.baselineRuns),
      minRuns: optInt(['regression', 'minRuns'], 1, 1000, defaultRegressionConfig.minRuns),
      instructionsThresholdPct: optNum(['regression', 'instructionsThresholdPct'], 0, defaultRegressionConfig.instructionsThresholdPct),
      cyclesThresholdPct: optNum(['regression', 'cyclesThresholdPct'], 0, defaultRegressionConfig.cyclesThresholdPct),
      memoryThresholdPct: optNum(['regression', 'memoryThresholdPct'], 0, defaultRegressionConfig.memoryThresholdPct),
    },
    suites,
  };
  if (problems.length) throw new LabConfigError(problems);
  return cfg;
}

export interface SuiteCell { model: string; boardKind: string; backend: Backend; tiling: TilingMode; arithmetic: Arithmetic }

/** The jobs one firing of a suite expands to: every matrix cell not excluded. Cells pairing tflm
 * with xnnpack are left out without an exclusion: that firmware cannot be built (tflm has only
 * TFLite-Micro's reference arithmetic), so a suite over both backends and both arithmetics means
 * aot in both and tflm in reference. */
export function expandSuite(s: SuiteConfig): SuiteCell[] {
  const cells: SuiteCell[] = [];
  for (const model of s.models) for (const boardKind of s.boards) for (const backend of s.backends) for (const tiling of s.tilings) {
    for (const arithmetic of s.arithmetics) {
      if (!arithmeticFitsBackend(backend, arithmetic)) continue;
      const excluded = s.exclude.some((e) =>
        (e.model === undefined || e.model === model) && (e.board === undefined || e.board === boardKind) &&
        (e.backend === undefined || e.backend === backend) && (e.tiling === undefined || e.tiling === tiling) &&
        (e.arithmetic === undefined || e.arithmetic === arithmetic));
      if (!excluded) cells.push({ model, boardKind, backend, tiling, arithmetic });
    }
  }
  return cells;
}

/** Where the embedded broker's accounts live (hashed, Mosquitto's format). */
export function embeddedBrokerPasswordFile(cfg: Pick<LabConfig, 'embeddedBroker' | 'dataDir'>): string {
  return cfg.embeddedBroker.passwordFile ?? join(cfg.dataDir, 'broker.passwd');
}

export function defaultLabConfig(dataDir: string): LabConfig {
  return parseLabConfig(`daemon:\n  dataDir: ${JSON.stringify(dataDir)}\n`, '<defaults>', process.cwd());
}

