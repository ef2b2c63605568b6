// The backend registry: index.ts registers the `backend` every file of this folder exports; a
// name outside wire/vocabulary.ts BACKENDS is refused (the lab could not ask for it).
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
  if (!b) throw new Error(`unknown backend "${name}" (use ${registeredBackends().join('|')})`);
  return b;
}

/** In the vocabulary's order. */
export function registeredBackends(): Backend[] {
  return BACKENDS.filter((b) => registry.has(b));
}
