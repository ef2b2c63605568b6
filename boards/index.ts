// The board registry: every module in boards/defs/ exporting `board` (a BoardDefinition).
// A new board is a new file there; nothing else changes.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BoardDefinition } from './types.ts';

export const BOARDS_DIR = dirname(fileURLToPath(import.meta.url));
const DEFS_DIR = join(BOARDS_DIR, 'defs');

let loaded: Promise<Map<string, BoardDefinition>> | undefined;

function checkDefinition(file: string, b: BoardDefinition): void {
  const problems: string[] = [];
  if (!/^[a-z0-9-]+$/.test(b.id ?? '')) problems.push(`id "${b.id}" must be lowercase letters, digits, '-'`);
  if (!(b.clockHz > 0)) problems.push('clockHz must be positive');
  if (!(b.memory?.ram?.size > 0) || !(b.memory?.flash?.size > 0)) problems.push('flash and RAM sizes required');
  if (!(b.stackBytes > 0)) problems.push('stackBytes must be positive');
  if (b.virtual && b.arch !== 'host' && !b.qemu) problems.push('a virtual board needs qemu machine arguments');
  if (problems.length) throw new Error(`board definition ${file}: ${problems.join('; ')}`);
}

async function loadAll(): Promise<Map<string, BoardDefinition>> {
  const files = readdirSync(DEFS_DIR).filter((f) => f.endsWith('.ts')).sort();
  const map = new Map<string, BoardDefinition>();
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(DEFS_DIR, f)).href)) as { board?: BoardDefinition };
    if (!mod.board) throw new Error(`board definition ${f} does not export "board"`);
    checkDefinition(f, mod.board);
    if (map.has(mod.board.id)) throw new Error(`board id "${mod.board.id}" defined twice (${f})`);
    map.set(mod.board.id, mod.board);
  }
  return map;
}

export async function listBoards(): Promise<BoardDefinition[]> {
  loaded ??= loadAll();
  return [...(await loaded).values()];
}

export async function getBoard(id: string): Promise<BoardDefinition> {
  loaded ??= loadAll();
  const b = (await loaded).get(id);
  if (!b) throw new Error(`unknown board "${id}" (have: ${[...(await loaded).keys()].join(', ')})`);
  return b;
}
