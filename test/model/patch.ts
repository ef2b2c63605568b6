// Test helpers that corrupt one field of a real .tflite in place, located through the reader's
// own bounds-checked view, so error tests hit exactly the condition they name.
import { readFileSync } from 'node:fs';
import { Builder } from 'flatbuffers';
import { FbFile, type FbTable } from '../../firmware/model/fb-view.ts';
import { modelPath } from '../../firmware/model-set/index.ts';
import { MODEL, OPERATOR, SUBGRAPH } from '../../firmware/model/schema.ts';

export function modelBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(modelPath(name)));
}

export interface Located { bytes: Uint8Array; root: FbTable; view: DataView }

/** A copy of the model with accessors to its tables. */
export function open(name: string): Located {
  const bytes = modelBytes(name);
  return { bytes, root: new FbFile(bytes).root('TFL3'), view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

export function subgraph(m: Located): FbTable { return m.root.tables(MODEL.subgraphs, 'subgraphs')[0]!; }
export function tensorTable(m: Located, i: number): FbTable { return subgraph(m).tables(SUBGRAPH.tensors, 'tensors')[i]!; }
export function opTable(m: Located, i: number): FbTable { return subgraph(m).tables(SUBGRAPH.operators, 'operators')[i]!; }

/** Absolute position of a present scalar field (throws if the field was elided as default). */
export function fieldAt(t: FbTable, slot: number): number {
  const p = t.fieldPos(slot);
  if (!p) throw new Error(`field ${slot} of ${t.what} is not stored`);
  return p;
}

export function opInputAt(m: Located, op: number, k: number): number {
  return opTable(m, op).vector(OPERATOR.inputs, 4, 'inputs')!.start + 4 * k;
}

/** A minimal model with the given number of empty subgraphs. */
export function modelWithSubgraphs(count: number): Uint8Array {
  const b = new Builder(256);
  const sgs = Array.from({ length: count }, () => { b.startObject(5); return b.endObject(); });
  b.startObject(3);
  const emptyBuffer = b.endObject();
  const vec = (offs: number[]): number => {
    b.startVector(4, offs.length, 4);
    for (let i = offs.length - 1; i >= 0; i--) b.addOffset(offs[i]!);
    return b.endVector();
  };
  const sgVec = vec(sgs);
  const bufVec = vec([emptyBuffer]);
  b.startObject(8);
  b.addFieldInt32(MODEL.version, 3, 0);
  b.addFieldOffset(MODEL.subgraphs, sgVec, 0);
  b.addFieldOffset(MODEL.buffers, bufVec, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}
