// Typed-array storage for tensor values: allocation by dtype and decoding of constant bytes.
import { DTYPE_BYTES, numElements, type DType, type Tensor } from '../ir/graph.ts';
import type { TensorData } from './types.ts';

/** The typed array that holds `dtype` values, over `buffer` ('bool' as one byte each). */
export function typedView(dtype: DType, buffer: ArrayBuffer): TensorData {
  switch (dtype) {
    case 'float32': return new Float32Array(buffer);
    case 'int8': return new Int8Array(buffer);
    case 'uint8': case 'bool': return new Uint8Array(buffer);
    case 'int16': return new Int16Array(buffer);
    case 'int32': return new Int32Array(buffer);
    case 'int64': return new BigInt64Array(buffer);
  }
}

export function allocate(dtype: DType, length: number): TensorData {
  return typedView(dtype, new ArrayBuffer(length * DTYPE_BYTES[dtype]));
}

/** The dtype a typed array can hold ('uint8' also stands for bool). */
export function dataDType(data: TensorData): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int32Array) return 'int32';
  return 'int64';
}

export function matchesDType(data: TensorData, dtype: DType): boolean {
  const d = dataDType(data);
  return d === dtype || (dtype === 'bool' && d === 'uint8');
}

/** Decodes a constant tensor's little-endian bytes into a fresh, aligned typed array. */
export function decodeConstant(t: Tensor): TensorData {
  const bytes = t.data!;
  const count = numElements(t.shape);
  const need = count * DTYPE_BYTES[t.dtype];
  if (bytes.byteLength !== need) {
    throw new Error(`constant tensor "${t.name}" holds ${bytes.byteLength} bytes, its shape [${t.shape}] of ${t.dtype} needs ${need}`);
  }
  const copy = new Uint8Array(need);
  copy.set(bytes);
  return typedView(t.dtype, copy.buffer);
}

/** Reads small integer operands (shapes, axes, paddings) as plain numbers. */
export function toNumbers(data: TensorData): number[] {
  return Array.from(data as ArrayLike<number | bigint>, (v) => Number(v));
}
