// The registry's idle boards — what every dispatch round reads: boards an online agent reports
// idle and the daemon holds no lease on. Its views are made when a status or an inventory changes
// them, so each of those changes must show in the next answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../daemon/registry.ts';
import type { BoardState } from '../../wire/mqtt.ts';

const ts = new Date().toISOString();
const status = (agentId: string, state: 'online' | 'offline') => ({ v: 1 as const, agentId, state, ts });
const inventory = (agentId: string, boards: Array<[string, BoardState]>) => ({
  v: 1 as const, agentId, ts, boards: boards.map(([boardId, state]) => ({ boardId, kind: 'k', virtual: true, state })),
});
const idle = (r: Registry, leased: string[] = []) => r.idleBoards(new Set(leased)).map((b) => `${b.agentId}/${b.boardId}`).sort();

test('idle boards follow statuses, inventories and leases; they are the boards() views whose effective state is idle', () => {
  const r = new Registry();
  r.applyInventory(inventory('a', [['a0', 'idle'], ['a1', 'busy'], ['a2', 'idle']]));
  assert.deepEqual(idle(r), [], 'an agent not online yet has no idle boards');
  r.applyStatus(status('a', 'online'));
  assert.deepEqual(idle(r), ['a/a0', 'a/a2']);
  assert.deepEqual(idle(r, ['a0']), ['a/a2'], 'a leased board is not idle');
  assert.deepEqual(idle(r), ['a/a0', 'a/a2'], 'and is again once the lease is gone');
  r.applyStatus(status('b', 'online'));
  r.applyInventory(inventory('b', [['b0', 'idle'], ['a0', 'idle']]));
  assert.deepEqual(idle(r), ['a/a0', 'a/a2', 'b/b0'], 'a board another online agent owns is not taken from it');
  r.applyInventory(inventory('a', [['a0', 'quarantined'], ['a1', 'idle']]));
  assert.deepEqual(idle(r), ['a/a1', 'b/b0'], 'a new inventory replaces the old one');
  r.applyStatus(status('a', 'offline'));
  assert.deepEqual(idle(r), ['b/b0'], 'an offline agent\'s boards are not idle');
  r.applyStatus(status('a', 'online'));
  assert.deepEqual(idle(r, ['b0']), ['a/a1'], 'back online');
  const leased = new Set(['a1']);
  assert.deepEqual(r.idleBoards(leased).map((b) => b.boardId), r.boards(leased).filter((b) => b.effective === 'idle').map((b) => b.boardId));
  assert.deepEqual(r.idleBoards(new Set()).find((b) => b.boardId === 'a1'), { boardId: 'a1', kind: 'k', virtual: true, state: 'idle', agentId: 'a', agentOnline: true, effective: 'idle' });
});

test('a finished job frees a board reported busy (the report was its lease); missing and quarantined boards stay; a newer inventory wins', () => {
  const r = new Registry();
  r.applyStatus(status('a', 'online'));
  r.applyInventory(inventory('a', [['a0', 'busy'], ['a1', 'quarantined'], ['a2', 'idle']]));
  assert.deepEqual(idle(r), ['a/a2']);
  r.jobFinished('a', 'a0');
  r.jobFinished('a', 'a1');
  r.jobFinished('b', 'a2');
  assert.deepEqual(idle(r), ['a/a0', 'a/a2'], 'in the cached views');
  const leased = new Set<string>();
  assert.deepEqual(r.idleBoards(leased).map((b) => b.boardId).sort(), r.boards(leased).filter((b) => b.effective === 'idle').map((b) => b.boardId).sort());
  r.jobFinished('a', 'a0');
  assert.deepEqual(idle(r), ['a/a0', 'a/a2'], 'once');
  r.applyInventory(inventory('a', [['a0', 'busy'], ['a1', 'quarantined'], ['a2', 'idle']]));
  assert.deepEqual(idle(r), ['a/a2'], 'a newer busy report holds the board again');
});
