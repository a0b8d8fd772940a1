import * as tf from '@tensorflow/tfjs';
import { ADAM_KERNEL, adamAttrs } from '../runtime/wasm-training/adam-update.js';

/**
 * Adam (Kingma & Ba, 2015) with state that can be saved and restored exactly: moments per variable (by position)
 * and the step count, with bias corrections computed in float64 from the step. tfjs's own AdamOptimizer
 * accumulates β^t by repeated float32 multiplication and recomputes it with pow() on restore, so a resumed run
 * would drift from an uninterrupted one; this one does not.
 */
export class Adam {
  step = 0;
  private m: tf.Variable[];
  private v: tf.Variable[];

  constructor(
    private readonly vars: tf.Variable[],
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-7,
  ) {
    // tidy frees each zerosLike once its variable holds the data (a variable is never disposed by tidy): without it
    // every construction left 2 tensors per variable behind.
    this.m = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    this.v = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
  }

  /** Applies one update with learning rate `lr`; `grads` are in the order of the variables. */
  apply(grads: tf.Tensor[], lr: number): void {
    this.step++;
    const c1 = 1 - this.beta1 ** this.step;
    const c2 = 1 - this.beta2 ** this.step;
    const stepSize = (lr * Math.sqrt(c2)) / c1;
    if (tf.getKernel(ADAM_KERNEL, tf.getBackend())) {
      // One fused kernel per variable where the backend has it (wasm): the same bits as the ops below.
      tf.tidy(() => {
        const attrs = adamAttrs({ beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, stepSize });
        this.vars.forEach((x, i) => {
          const [x2, m2, v2] = tf.engine().runKernel(ADAM_KERNEL, { x, g: grads[i]!, m: this.m[i]!, v: this.v[i]! }, attrs) as tf.Tensor[];
          this.m[i]!.assign(m2!);
          this.v[i]!.assign(v2!);
          x.assign(x2!);
        });
      });
      return;
    }
    tf.tidy(() => {
      this.vars.forEach((x, i) => {
        const g = grads[i]!;
        const m = this.m[i]!;
        const v = this.v[i]!;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        x.assign(tf.sub(x, tf.mul(tf.div(m, tf.add(tf.sqrt(v), this.epsilon)), stepSize)));
      });
    });
  }

  /** The moments (m then v, in variable order); for checkpoints. */
  state(): tf.Tensor[] {
    return [...this.m, ...this.v];
  }

  /** Restores moments saved by {@link state} and the step count. */
  restore(tensors: tf.Tensor[], step: number): void {
    const n = this.vars.length;
    if (tensors.length !== 2 * n) throw new Error(`optimizer state has ${tensors.length} tensors, expected ${2 * n}`);
    tensors.forEach((t, i) => (i < n ? this.m[i]! : this.v[i - n]!).assign(t));
    this.step = step;
  }

  dispose(): void {
    [...this.m, ...this.v].forEach((t) => t.dispose());
  }
}

/**
 * Global gradient-norm clipping, as torch.nn.utils.clip_grad_norm_: with ‖g‖ the L2 norm of all the gradients taken
 * together, every gradient is scaled by c/‖g‖ when ‖g‖ > c and left as it is otherwise (scaled by exactly 1, so
 * the same bits). torch divides by ‖g‖ + 1e-6; the difference is below float32 resolution for any ‖g‖ > c that
 * matters. Computed on the backend, without reading the norm back. Returns new tensors; the caller disposes both.
 */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): tf.Tensor[] {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
    // A zero norm gives c/0 = ∞, and min(1, ∞) = 1.
    const scale = tf.minimum(1, tf.div(maxNorm, norm));
    return grads.map((g) => tf.mul(g, scale));
  });
}

/** Learning rate at `step` of `total`: linear warm-up over `warmup` steps, then cosine decay to `minFactor`·base. */
export function cosineWithWarmup(step: number, total: number, base: number, warmup: number, minFactor: number): number {
  if (warmup > 0 && step < warmup) return (base * (step + 1)) / warmup;
  const span = Math.max(1, total - warmup);
  const progress = Math.min(1, (step - warmup) / span);
  const min = base * minFactor;
  return min + (base - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
