// Which model names the daemon accepts without an upload: the model set's, read once.
import { modelNames } from '../firmware/model-set/index.ts';

export function modelSetLookup(log: (line: string) => void = () => {}): (name: string) => boolean {
  let names: Set<string> | undefined;
  return (name) => {
    if (!names) {
      try { names = new Set(modelNames()); } catch (err) {
        log(`model set unavailable (${(err as Error).message}); only uploaded models are accepted`);
        names = new Set();
      }
    }
    return names.has(name);
  };
}
