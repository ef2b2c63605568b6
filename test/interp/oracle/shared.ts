// Constants shared by the TensorFlow cross-check scripts (see dump.ts).
/** Case seeds are k * SEED_STRIDE, so a case directory's seed rebuilds its graph. */
export const SEED_STRIDE = 104729;
export const dirName = (name: string) => name.replace(/[^A-Za-z0-9_]+/g, '_');
