import * as tf from '@tensorflow/tfjs';
import type { TeacherConfigInput } from '../config/schema.js';
import type { TensorInfo } from './model.js';
import { loadTeacher } from './index.js';
import type { ModelTeacher } from './model-teacher.js';

/** What `edge-distill inspect` reports about a teacher. */
export interface TeacherReport {
  path: string;
  kind: string;
  summary: string;
  input: TensorInfo;
  layout: string;
  layoutHow: string;
  /** [h, w, c] the data must have. */
  inputShape: number[];
  outputs: (TensorInfo & { op?: string })[];
  /** The output used as class scores, what it holds and how that was decided. */
  output: { name: string; holds: 'logits' | 'probs'; how: string; classes: number };
  /** Tap-able tensors with their shapes per sample, as the student side sees them (NHWC for image features). */
  taps: { name: string; op: string; shape: number[] }[];
  notTapable: { name: string; op: string; reason: string }[];
}

/** Shapes of `names` on a one-image probe; a tensor that cannot be fetched is reported with the error. */
async function tapShapes(t: ModelTeacher, names: string[]): Promise<Map<string, number[] | Error>> {
  const [h, w, c] = t.inputShape as [number, number, number];
  const x = tf.zeros([1, h, w, c]) as tf.Tensor4D;
  const shapes = new Map<string, number[] | Error>();
  const fetch = async (group: string[]) => {
    const out = await t.forward(x, group);
    for (const n of group) shapes.set(n, out.features[n]!.shape.slice(1));
    tf.dispose([out.logits, ...Object.values(out.features)]);
  };
  try {
    await fetch(names);
  } catch {
    // One bad tensor fails the batch: fetch one by one to find it.
    for (const n of names) await fetch([n]).catch((e: Error) => shapes.set(n, e));
  } finally {
    x.dispose();
  }
  return shapes;
}

/** Loads a teacher and lists its input, outputs and every intermediate tensor, tap-able or not, with shapes. */
export async function inspectTeacher(spec: string | TeacherConfigInput): Promise<TeacherReport> {
  const t = await loadTeacher(spec);
  try {
    const nodes = t.model.nodes();
    const tapable = nodes.filter((n) => n.tapable);
    const shapes = await tapShapes(t, tapable.map((n) => n.name));
    const taps: TeacherReport['taps'] = [];
    const notTapable: TeacherReport['notTapable'] = nodes.filter((n) => !n.tapable).map((n) => ({ name: n.name, op: n.op, reason: n.reason ?? 'not a feature' }));
    for (const n of tapable) {
      const s = shapes.get(n.name);
      if (s instanceof Error || !s) notTapable.push({ name: n.name, op: n.op, reason: `cannot be fetched (${s instanceof Error ? s.message.split('\n')[0] : 'no value'})` });
      else taps.push({ name: n.name, op: n.op, shape: s });
    }
    return {
      path: t.id,
      kind: t.model.kind,
      summary: t.model.summary,
      input: t.model.input,
      layout: t.layout,
      layoutHow: t.layoutHow,
      inputShape: t.inputShape,
      outputs: t.model.outputs.map((o) => {
        const op = t.model.producer(o.name);
        return { ...o, ...(op ? { op } : {}) };
      }),
      output: { name: t.output, holds: t.outputKind.kind, how: t.outputKind.how, classes: t.numClasses },
      taps,
      notTapable,
    };
  } finally {
    t.dispose();
  }
}

const dims = (s: TensorInfo['shape']) => `[${(s ?? ['?']).map((d) => (d === null || d === -1 ? '?' : String(d))).join(', ')}]`;

/** The report as aligned text for the terminal. */
export function formatReport(r: TeacherReport): string {
  const w = Math.max(8, ...r.taps.map((t) => t.name.length), ...r.notTapable.map((t) => t.name.length)) + 2;
  const ow = Math.max(...r.taps.map((t) => t.op.length), ...r.notTapable.map((t) => t.op.length), 2) + 2;
  const lines = [
    `teacher ${r.path}: ${r.kind} (${r.summary})`,
    `input   ${r.input.name} ${dims(r.input.shape)} ${r.input.dtype ?? ''}; layout ${r.layout.toUpperCase()} (${r.layoutHow}); data must be [${r.inputShape.join(', ')}] (h, w, c)`,
    ...r.outputs.map((o) => `output  ${o.name} ${dims(o.shape)}${o.op ? ` from ${o.op}` : ''}${o.name === r.output.name ? ` ← class scores: ${r.output.classes} classes, ${r.output.holds} (${r.output.how})` : ''}`),
    ...(r.outputs.some((o) => o.name === r.output.name) ? [] : [`scores  ${r.output.name}: ${r.output.classes} classes, ${r.output.holds} (${r.output.how})`]),
    '',
    `tap-able tensors (${r.taps.length}; shape per sample, NHWC as feature-mse sees it; use as --feature student:LAYER=teacher:NAME):`,
    ...r.taps.map((t) => `  ${t.name.padEnd(w)}${t.op.padEnd(ow)}[${t.shape.join(', ')}]`),
  ];
  if (r.notTapable.length) {
    lines.push('', `not tap-able (${r.notTapable.length}):`, ...r.notTapable.map((t) => `  ${t.name.padEnd(w)}${t.op.padEnd(ow)}${t.reason}`));
  }
  return lines.join('\n');
}
