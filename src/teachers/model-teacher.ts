import * as tf from '@tensorflow/tfjs';
import { UserError, isUserError } from '../core/errors.js';
import { closestNames, editDistance } from '../core/names.js';
import type { Outputs, Teacher } from '../core/types.js';
import { TEACHER_OUTPUT_KINDS, type TeacherConfig } from '../config/schema.js';
import type { NodeInfo, TeacherModel } from './model.js';
import { nhwcInputShape, resolveLayout, type Layout } from './layout.js';
import { applyPreprocess, checkPreprocess } from './preprocess.js';
import { kindFromOp, rowsAreProbabilities, type OutputKind } from './probs.js';

/** Rows of the seeded probe batch that checks the output kind and learns the class count. */
const PROBE_ROWS = 4;

/**
 * A {@link Teacher} over any {@link TeacherModel}: the data's NHWC batch is preprocessed, transposed to NCHW for NCHW
 * models, run (in chunks when the file fixes the batch size), and the results are brought back to what the
 * trainer expects: logits (probabilities become log p, equal to the logits up to a per-sample constant that
 * softmax ignores, so soft-kl sees the right distribution at every temperature) and NHWC feature taps.
 */
export class ModelTeacher implements Teacher {
  readonly id: string;
  readonly layout: Layout;
  readonly layoutHow: string;
  readonly inputShape: number[];
  readonly output: string;
  numClasses = 0;
  outputKind!: OutputKind;
  private readonly checkedTaps = new Set<string>();
  private nodeIndex: Map<string, NodeInfo> | undefined;

  private constructor(readonly model: TeacherModel, readonly config: TeacherConfig) {
    this.id = config.path;
    const { layout, how } = resolveLayout(config.layout, model.layout, model.input, this.id);
    this.layout = layout;
    this.layoutHow = how;
    this.inputShape = nhwcInputShape(model.input, layout, config.inputShape, this.id);
    if (this.inputShape.some((d) => d < 0)) {
      throw new UserError(`${this.id}: the teacher leaves its input size open ([${(model.input.shape ?? []).join(', ')}]); give it with --teacher-input-shape HxWxC (teacher.inputShape in a config)`);
    }
    checkPreprocess(config.preprocess, this.inputShape[2]!, this.id);
    this.output = this.pickOutput(config.output);
  }

  /** Wraps an opened model: resolves layout, input shape and output, then runs a probe batch (class count, output kind). */
  static async create(model: TeacherModel, config: TeacherConfig): Promise<ModelTeacher> {
    let t: ModelTeacher | undefined;
    try {
      t = new ModelTeacher(model, config);
      await t.probe();
      return t;
    } catch (e) {
      model.dispose();
      throw e;
    }
  }

  get files(): string[] {
    return this.model.files;
  }

  private pickOutput(name: string | undefined): string {
    const outs = this.model.outputs.map((o) => o.name);
    if (name === undefined) {
      if (outs.length === 1) return outs[0]!;
      throw new UserError(`${this.id}: the teacher has ${outs.length} outputs [${outs.join(', ')}]; choose the class scores with --teacher-output NAME (teacher.output)`);
    }
    if (outs.includes(name)) return name;
    this.checkTaps([name], '--teacher-output');
    return name;
  }

  private async probe(): Promise<void> {
    const [h, w, c] = this.inputShape as [number, number, number];
    const x = tf.randomUniform([PROBE_ROWS, h, w, c], 0, 1, 'float32', 1234) as tf.Tensor4D;
    try {
      const [raw] = await this.runRaw(x, [this.output]);
      const shape = raw!.shape;
      const vals = (await raw!.data()) as Float32Array;
      raw!.dispose();
      const perRow = shape.slice(1).reduce((a, b) => a * b, 1);
      if (shape.slice(1).filter((d) => d !== 1).length > 1 || perRow < 2) {
        throw new UserError(`${this.id}: output ${this.output} has shape [${shape.join(', ')}] on a batch of ${PROBE_ROWS}; expected [batch, classes] (choose another with --teacher-output)`);
      }
      this.numClasses = perRow;
      const declared = this.config.outputs;
      this.outputKind =
        declared !== 'auto'
          ? { kind: declared, how: 'declared' }
          : (kindFromOp(this.model.producer(this.output)) ??
            (rowsAreProbabilities(vals, PROBE_ROWS, perRow)
              ? { kind: 'probs', how: `rows of a probe batch sum to 1; last op ${this.model.producer(this.output) ?? 'unknown'}` }
              : { kind: 'logits', how: `rows of a probe batch do not sum to 1; last op ${this.model.producer(this.output) ?? 'unknown'}` }));
    } finally {
      x.dispose();
    }
  }

  private nodes(): Map<string, NodeInfo> {
    this.nodeIndex ??= new Map(this.model.nodes().map((n) => [n.name, n]));
    return this.nodeIndex;
  }

  tapNames(): string[] {
    return [...this.nodes().values()].filter((n) => n.tapable).map((n) => n.name);
  }

  /** Checks tap names: unknown names list the nearest ones; names that exist but cannot be read say why. */
  checkTaps(taps: readonly string[], what = 'tap'): void {
    for (const t of taps) {
      if (this.checkedTaps.has(t) || this.model.outputs.some((o) => o.name === t)) continue;
      const n = this.nodes().get(t);
      if (!n) {
        const fused = [...this.nodes().values()].some((x) => x.reason?.includes('fused'));
        // The model's outputs are candidates too (an ONNX graph output is no tap-able node of its own).
        const names = [...new Set([...this.model.outputs.map((o) => o.name), ...this.tapNames()])];
        // "logits" / "probs" name what an output holds (--teacher-outputs), not which output it is.
        const kind = what === '--teacher-output' ? TEACHER_OUTPUT_KINDS.filter((k) => k !== 'auto').find((k) => editDistance(t.toLowerCase(), k) <= 2) : undefined;
        throw new UserError(
          `${this.id}: ${what} "${t}" is not a tensor of this ${this.model.kind} (nearest: ${closestNames(t, names).join(', ')})${kind ? `; to say the output holds ${kind}, give --teacher-outputs ${kind} (--teacher-output picks which tensor)` : ''}${fused ? '; values a converter fused into another op are not tap-able' : ''}; run edge-distill inspect --teacher ${this.id} to list them`,
        );
      }
      if (!n.tapable) throw new UserError(`${this.id}: ${what} "${t}" (${n.op}) cannot be tapped: ${n.reason ?? 'not a feature tensor'}; run edge-distill inspect --teacher ${this.id} to list the tap-able tensors`);
      this.checkedTaps.add(t);
    }
  }

  /** Runs the model on an NHWC batch and returns the fetched tensors as the model produced them (its layout). */
  private async runRaw(x: tf.Tensor4D, fetch: string[]): Promise<tf.Tensor[]> {
    const fixed = this.model.input.shape?.[0];
    const n = x.shape[0];
    const prep = tf.tidy(() => {
      const y = applyPreprocess(x, this.config.preprocess);
      return this.layout === 'nchw' ? tf.transpose(y, [0, 3, 1, 2]) : y === x ? tf.clone(y) : y;
    });
    try {
      if (typeof fixed !== 'number' || fixed <= 0 || fixed === n) return await this.model.run(prep, fetch);
      // The file fixes the batch size: run in chunks of that size (the last padded with zeros) and join the rows.
      const parts: tf.Tensor[][] = [];
      for (let s = 0; s < n; s += fixed) {
        const rows = Math.min(fixed, n - s);
        const chunk = tf.tidy(() => {
          const c = tf.slice(prep, s, rows);
          return rows === fixed ? c : tf.concat([c, tf.zeros([fixed - rows, ...prep.shape.slice(1)])]);
        });
        const outs = await this.model.run(chunk, fetch);
        chunk.dispose();
        parts.push(outs.map((o) => (rows === fixed ? o : tf.tidy(() => tf.slice(o, 0, rows)))));
        if (rows !== fixed) tf.dispose(outs);
      }
      return fetch.map((_, i) => {
        const list = parts.map((p) => p[i]!);
        const joined = tf.concat(list);
        tf.dispose(list);
        return joined;
      });
    } catch (e) {
      if (isUserError(e)) throw e;
      throw new UserError(`${this.id}: the teacher failed on a batch of [${x.shape.join(', ')}] (NHWC; fed as ${this.layout.toUpperCase()}): ${(e as Error).message.split('\n')[0]}; check the data shape and layout against edge-distill inspect --teacher ${this.id}`);
    } finally {
      prep.dispose();
    }
  }

  async forward(x: tf.Tensor4D, taps: readonly string[]): Promise<Outputs> {
    this.checkTaps(taps);
    // Each tensor is fetched once (a tap may name the output itself; runtimes refuse or warn on repeats).
    const fetch = [...new Set([this.output, ...taps])];
    const got = await this.runRaw(x, fetch);
    const raw = [this.output, ...taps].map((n) => got[fetch.indexOf(n)]!);
    return tf.tidy(() => {
      const out = tf.reshape(raw[0]!, [x.shape[0], this.numClasses]);
      const logits = this.outputKind.kind === 'probs' ? tf.log(tf.clipByValue(out, 1e-12, 1)) : out;
      const features: Record<string, tf.Tensor> = {};
      taps.forEach((t, i) => {
        const f = raw[i + 1]!;
        features[t] = this.layout === 'nchw' && f.rank === 4 ? tf.transpose(f, [0, 2, 3, 1]) : f;
      });
      const keep = new Set<tf.Tensor>([logits, ...Object.values(features)]);
      for (const r of got) if (!keep.has(r)) r.dispose();
      return { logits, features } as unknown as tf.TensorContainerObject;
    }) as unknown as Outputs;
  }

  dispose(): void {
    this.model.dispose();
  }
}
