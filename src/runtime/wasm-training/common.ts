import type * as tfType from '@tensorflow/tfjs';
import type { DataType, GradConfig, KernelFunc, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';

/** The tfjs namespace the kernels are registered in (passed in, so one tfjs copy is used throughout). */
export type Tf = typeof tfType;

/** An explicit padding as tfjs spells it: [[0, 0], [top, bottom], [left, right], [0, 0]]. */
export type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

/**
 * The part of tfjs-backend-wasm's BackendWasm these kernels use. Typed structurally so that this module never loads
 * the wasm package itself (the caller decides when that happens).
 */
export interface WasmBackend {
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** The arguments every kernel function receives. */
export interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  attrs?: NamedAttrMap;
  backend: unknown;
}

/**
 * A kernel this module provides. `make` builds the kernelFunc; `original` is the wasm backend's own kernelFunc for
 * the same name when one exists, kept so that cases a kernel does not speed up can fall back to it.
 */
export interface TrainingKernel {
  kernelName: string;
  /**
   * True for kernels that are there for speed, not coverage (replacements of existing wasm kernels, the fused Adam
   * update): registered only with `overrides` on.
   */
  override: boolean;
  make(tf: Tf, original: KernelFunc | undefined): KernelFunc;
}

/**
 * Small toolbox over the wasm backend for one kernel call: allocation, zero-copy views and calls into the
 * backend's own (XNNPACK-backed) kernels. Every intermediate it hands out must be released with {@link Ops.free}.
 */
export class Ops {
  readonly backend: WasmBackend;
  constructor(
    readonly tf: Tf,
    backend: unknown,
  ) {
    this.backend = backend as WasmBackend;
  }

  /** Allocates an uninitialised float32 tensor on the wasm heap (malloc does not zero it). */
  alloc(shape: number[], dtype: DataType = 'float32'): TensorInfo {
    return this.backend.makeOutput(shape, dtype);
  }

  /** Allocates a zero-filled float32 tensor. */
  zeros(shape: number[]): TensorInfo {
    const t = this.alloc(shape);
    this.f32(t).fill(0);
    return t;
  }

  /**
   * Zero-copy float32 view of a tensor's heap memory. Take views only after the last allocation of a kernel:
   * growing the wasm heap detaches every view taken before.
   */
  f32(t: TensorInfo): Float32Array {
    return this.backend.typedArrayFromHeap(t) as Float32Array;
  }

  /** Byte offset of a tensor's data in the wasm heap (what the SIMD kernels take as a pointer). */
  offset(t: TensorInfo): number {
    const d = this.backend.dataIdMap.get(t.dataId);
    if (!d) throw new Error('wasm-training: tensor has no wasm heap data');
    return d.memoryOffset;
  }

  /** Releases an intermediate (its heap memory and any XNNPACK operator cached for it). */
  free(...ts: (TensorInfo | undefined)[]): void {
    for (const t of ts) if (t) this.backend.disposeData(t.dataId);
  }

  /** A different shape over the same data; free only one of the two. */
  reshape(t: TensorInfo, shape: number[]): TensorInfo {
    return { dataId: t.dataId, shape, dtype: t.dtype };
  }

  /** Runs a registered wasm kernel by name. */
  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): TensorInfo {
    const k = this.tf.getKernel(kernelName, 'wasm') as ReturnType<Tf['getKernel']> | undefined;
    if (!k) throw new Error(`wasm-training: the wasm backend has no ${kernelName} kernel`);
    const out = k.kernelFunc({ inputs, attrs, backend: this.backend as object });
    if (Array.isArray(out)) throw new Error(`wasm-training: ${kernelName} returned several tensors`);
    return out;
  }

  /** XNNPACK transpose. */
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Copy of a window of `x` (the wasm Slice kernel copies rows with TypedArray.set). */
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  /** XNNPACK NHWC convolution with explicit padding. */
  conv2d(x: TensorInfo, filter: TensorInfo, strides: [number, number], dilations: [number, number], pad: ExplicitPad): TensorInfo {
    return this.run('Conv2D', { x, filter }, { strides, dilations, pad, dataFormat: 'NHWC', dimRoundingMode: undefined } as unknown as NamedAttrMap);
  }

  /** XNNPACK NHWC depthwise convolution with explicit padding. */
  depthwise(x: TensorInfo, filter: TensorInfo, strides: [number, number], dilations: [number, number], pad: ExplicitPad): TensorInfo {
    return this.run('DepthwiseConv2dNative', { x, filter }, { strides, dilations, pad, dataFormat: 'NHWC', dimRoundingMode: undefined } as unknown as NamedAttrMap);
  }

  /**
   * Spreads `dy` [b, oh, ow, c] to [b, (oh-1)*sh+1, (ow-1)*sw+1, c] with zeros between the rows and columns.
   * A strided convolution's input gradient is a stride-1 convolution over this zero-stuffed gradient.
   */
  zeroStuff(dy: TensorInfo, sh: number, sw: number): TensorInfo {
    const [b, oh, ow, c] = dy.shape as [number, number, number, number];
    const uh = (oh - 1) * sh + 1;
    const uw = (ow - 1) * sw + 1;
    const up = this.zeros([b, uh, uw, c]);
    const src = this.f32(dy);
    const dst = this.f32(up);
    for (let i = 0; i < b; i++) {
      for (let r = 0; r < oh; r++) {
        const srcRow = (i * oh + r) * ow * c;
        const dstRow = (i * uh + r * sh) * uw * c;
        if (sw === 1) {
          dst.set(src.subarray(srcRow, srcRow + ow * c), dstRow);
        } else {
          for (let q = 0; q < ow; q++) dst.set(src.subarray(srcRow + q * c, srcRow + (q + 1) * c), dstRow + q * sw * c);
        }
      }
    }
    return up;
  }
}

/** Reads a kernel input that tfjs always passes, with a clear error if it is missing. */
export function input(args: KernelArgs, name: string): TensorInfo {
  const t = args.inputs[name];
  if (!t) throw new Error(`wasm-training: missing input ${name}`);
  return t;
}

/** Builds an explicit padding from per-side amounts. */
export function explicitPad(top: number, bottom: number, left: number, right: number): ExplicitPad {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

const GRAD_MARK = Symbol.for('edge-distill.wasm-training.gradient');

type GradFunc = GradConfig['gradFunc'];

/**
 * Replaces tfjs's gradient of `kernelName` by `make(original)`, whose result should use the original whenever the
 * active backend is not wasm or the case is not one it handles. tfjs keeps one gradient per kernel for all
 * backends, hence a wrapper rather than a per-backend registration. Idempotent (a wrapped gradient is marked).
 */
export function overrideGradient(tf: Tf, kernelName: string, make: (original: GradFunc) => GradFunc): void {
  const existing = tf.getGradient(kernelName) as (GradConfig & { [GRAD_MARK]?: true }) | undefined;
  if (!existing || existing[GRAD_MARK]) return;
  tf.registerGradient({ ...existing, gradFunc: make(existing.gradFunc), [GRAD_MARK]: true } as GradConfig);
}

/**
 * Replaces the gradient of the one-input kernel `kernelName` with one call of `fusedKernel` (inputs dy and the saved
 * x; attrs from `attrs`, else the forward's) when the active backend is wasm and dy and x are float32 of the same
 * shape; tfjs's own gradient otherwise.
 */
export function fuseUnaryGradient(tf: Tf, kernelName: string, fusedKernel: string, attrs?: (forward: NamedAttrMap) => NamedAttrMap): void {
  overrideGradient(tf, kernelName, (original) => (dy, saved, forwardAttrs) => {
    const x = saved[0];
    const g = dy as Tensor;
    if (tf.getBackend() !== 'wasm' || !x || x.dtype !== 'float32' || g.dtype !== 'float32' || !tf.util.arraysEqual(x.shape, g.shape)) {
      return original(dy, saved, forwardAttrs);
    }
    return { x: () => tf.engine().runKernel(fusedKernel, { dy: g, x }, attrs ? attrs(forwardAttrs) : forwardAttrs) as Tensor };
  });
}

/**
 * A faster replacement of an existing wasm kernel that handles only some cases: `fast` returns its result, or
 * undefined to hand the call to the wasm backend's own kernel.
 */
export function replacementKernel(kernelName: string, fast: (tf: Tf, args: KernelArgs) => TensorInfo | undefined): TrainingKernel {
  return {
    kernelName,
    override: true,
    make(tf: Tf, original: KernelFunc | undefined): KernelFunc {
      if (!original) throw new Error(`wasm ${kernelName}: the wasm backend has no ${kernelName} kernel to fall back to`);
      return ((args: KernelArgs): TensorInfo | TensorInfo[] => fast(tf, args) ?? original(args as Parameters<KernelFunc>[0])) as unknown as KernelFunc;
    },
  };
}
