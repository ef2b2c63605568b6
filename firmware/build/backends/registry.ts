// The backend registry: each backend file calls registerBackend() when imported; index.ts
// imports them all statically, so every backend named in wire/vocabulary.ts is present.
import { BACKENDS, type Backend } from '../../../wire/vocabulary.ts';
import type { BackendModule } from './types.ts';

const registry = new Map<string, BackendModule>();

export function registerBackend(b: BackendModule): void {
  if (!(BACKENDS as readonly string[]).includes(b.name)) throw new Error(`backend "${b.name}" is not in wire/vocabulary.ts BACKENDS`);
  if (registry.has(b.name)) throw new Error(`backend "${b.name}" registered twice`);
  registry.set(b.name, b);
}

export function getBackend(name: string): BackendModule {
  const b = registry.get(name);
  if (!b) throw new Error(`unknown backend "${name}" (use ${[...registry.keys()].join('|')})`);
  return b;
}

export function registeredBackends(): Backend[] {
  return [...registry.keys()] as Backend[];
}
