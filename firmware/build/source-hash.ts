// Content hash of every source file that can change what a build produces (compiler core,
// runtime, harness, boards): part of both cache keys, so editing any of them rebuilds.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BOARDS_DIR } from '../../boards/index.ts';
import { FIRMWARE_DIR, REPO_ROOT } from './paths.ts';

const SOURCE_DIRS = ['harness', 'runtime', 'codegen', 'tiling', 'plan', 'model', 'ir', 'build', 'interp', 'models'];
let treeHash: string | undefined;

export function sourceTreeHash(): string {
  if (treeHash) return treeHash;
  const h = createHash('sha256');
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (/\.(c|cc|cpp|h|hpp|S|s|ld|ts)$/.test(name)) { h.update(p.slice(REPO_ROOT.length)); h.update(readFileSync(p)); }
    }
  };
  for (const d of SOURCE_DIRS) walk(join(FIRMWARE_DIR, d));
  walk(BOARDS_DIR);
  treeHash = h.digest('hex');
  return treeHash;
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
