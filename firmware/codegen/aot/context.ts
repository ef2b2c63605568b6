// What an op lowering sees: the graph, where every activation lives in the arena, the kernel
// variant chosen for the board, and sinks for const definitions (flash) and statements.
import { ModelError, type Graph, type Op, type Tensor } from '../../ir/graph.ts';
import { C_TYPE, constTensorArray } from './c-emit.ts';

/** Free text safe inside a C comment, shortened (TFLite tensor names can be very long). */
export function commentText(s: string, max = 72): string {
  const t = s.replace(/\*\//g, '* /').replace(/[^\x20-\x7e]/g, '?');
  return t.length > max ? `${t.slice(0, max - 3)}...` : t;
}

export type KernelVariant = 'reference' | 'optimized';
/** Integer arithmetic of the int8 kernels (see AotOptions.arithmetic). */
export type { Arithmetic as AotArithmetic } from '../../../wire/vocabulary.ts';
import type { Arithmetic as AotArithmetic, OptimizeGoal } from '../../../wire/vocabulary.ts';

export class LowerContext {
  /** Const definitions (weights, params structs, tables) in emission order. */
  readonly decls: string[] = [];
  private readonly constNames = new Map<number, string>();
  private counter = 0;

  constructor(
    readonly graph: Graph,
    /** Arena byte offset of every planned activation (aliases resolved). */
    readonly offsets: ReadonlyMap<number, number>,
    readonly variant: KernelVariant,
    readonly arithmetic: AotArithmetic = 'reference',
    /** Kernel selection goal (AotOptions.optimize). */
    readonly optimize: OptimizeGoal = 'speed',
    /** Target features (AotOptions.boardFeatures); unknown (host tests) allows every kernel. */
    readonly features: { dsp?: boolean } = {},
  ) {}

  /** True when the DSP "speed" kernels (pre-widened weights, SMLAD) fit this build: the
   * optimized variant, optimize 'speed', and a target that has (or may have) the DSP extension. */
  get wideKernels(): boolean {
    return this.variant === 'optimized' && this.optimize === 'speed' && this.features.dsp !== false;
  }

  /** True when the register-blocked kernels for cores without DSP (tr_gemm_scalar.h) fit:
   * optimize 'speed' on a target known to lack the DSP extension. */
  get scalarBlockKernels(): boolean {
    return this.variant === 'optimized' && this.optimize === 'speed' && this.features.dsp === false;
  }

  tensor(id: number): Tensor {
    const t = this.graph.tensors[id];
    if (!t) throw new ModelError(`tensor ${id} does not exist`, { tensor: id });
    return t;
  }

  /** A fresh identifier for a per-op definition, e.g. "op3_params". */
  name(op: number, what: string): string {
    return `op${op}_${what}`;
  }

  unique(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }

  /** True when the tensor is held in the arena (an activation with a planned offset). */
  inArena(id: number): boolean {
    return this.offsets.has(id);
  }

  arenaOffset(id: number): number {
    const off = this.offsets.get(id);
    if (off === undefined) throw new ModelError(`tensor ${id} "${this.tensor(id).name}" has no arena offset in the memory plan`, { tensor: id });
    return off;
  }

  /**
   * A C expression pointing at a tensor's data as `ctype *` (const for reads): an arena
   * offset for activations, a flash array for constants (emitted on first use).
   */
  ptr(id: number, opts: { write?: boolean; elemOffset?: number; ctype?: string } = {}): string {
    const t = this.tensor(id);
    const ctype = opts.ctype ?? C_TYPE[t.dtype];
    const q = opts.write ? '' : 'const ';
    const plus = opts.elemOffset ? ` + ${opts.elemOffset}` : '';
    if (t.data === undefined) {
      return `((${q}${ctype} *)(tr_arena + ${this.arenaOffset(id)})${plus})`;
    }
    if (opts.write) throw new ModelError(`tensor ${id} "${t.name}" is constant and cannot be an op output`, { tensor: id });
    return `(${q}${ctype} *)${this.constArray(id)}${plus}`;
  }

  /** Name of the flash array holding a constant tensor (emitted once). */
  constArray(id: number): string {
    let name = this.constNames.get(id);
    if (!name) {
      name = `tr_const_${id}`;
      this.constNames.set(id, name);
      this.decls.push(`/* tensor ${id}: ${commentText(this.tensor(id).name)} [${this.tensor(id).shape}] ${this.tensor(id).dtype} */\n${constTensorArray(name, this.tensor(id))}`);
    }
    return name;
  }

  error(opIndex: number, op: Op, message: string): ModelError {
    return new ModelError(`op ${opIndex} (${op.kind} "${op.name}"): ${message}`, { op: opIndex, opKind: op.kind });
  }
}

/** One op turned into C: statements run in tr_model_invoke, in schedule order. */
export interface Lowered {
  statements: string[];
  /** Kernel functions called (for the report). */
  kernels: string[];
}
