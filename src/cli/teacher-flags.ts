import type { Command } from './command.js';
import { setPath } from './flags.js';
import { UserError } from '../core/errors.js';

/** Flags that describe the teacher, shared by distill, inspect and cache. */
export const TEACHER_OPTIONS: Command['options'] = {
  teacher: { type: 'string', description: 'teacher: tfjs model.json (LayersModel or GraphModel) or .onnx file', valueName: 'PATH' },
  'teacher-layout': { type: 'string', description: 'input layout of the teacher: auto | nhwc | nchw (auto: tfjs NHWC, ONNX read off its input shape)', valueName: 'L' },
  'teacher-output': { type: 'string', description: 'output node/tensor/layer holding the class scores (default: the single output)', valueName: 'NAME' },
  'teacher-outputs': { type: 'string', description: 'what that output holds: auto | logits | probs (auto: last op Softmax or rows summing to 1)', valueName: 'K' },
  'teacher-input-shape': { type: 'string', description: 'input size the teacher takes, for files with open height/width (e.g. 224x224x3)', valueName: 'HxWxC' },
  'teacher-scale': { type: 'string', description: 'teacher input = (x·scale − mean) / std; x is the data as the student sees it (default 1)', valueName: 'S' },
  'teacher-mean': { type: 'string', description: 'per-channel mean subtracted for the teacher, e.g. 0.485,0.456,0.406', valueName: 'M,...' },
  'teacher-std': { type: 'string', description: 'per-channel std the teacher input is divided by, e.g. 0.229,0.224,0.225', valueName: 'S,...' },
};

/** The names of {@link TEACHER_OPTIONS}. */
export const TEACHER_FLAGS = Object.keys(TEACHER_OPTIONS);

function numbers(flag: string, v: string, positive = false): number[] {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x) || (positive && x <= 0))) throw new UserError(`--${flag} ${v}: expected ${positive ? 'positive ' : ''}numbers separated by commas`);
  return xs;
}

/** Sets `c.teacher.*` from the teacher flags (a --teacher path keeps the other teacher settings of a -c config). */
export function applyTeacherFlags(c: Record<string, unknown>, v: Record<string, unknown>): void {
  const s = (k: string) => (v[k] !== undefined ? String(v[k]) : undefined);
  if (s('teacher') !== undefined) setPath(c, ['teacher', 'path'], s('teacher'));
  if (s('teacher-layout') !== undefined) setPath(c, ['teacher', 'layout'], s('teacher-layout'));
  if (s('teacher-output') !== undefined) setPath(c, ['teacher', 'output'], s('teacher-output'));
  if (s('teacher-outputs') !== undefined) setPath(c, ['teacher', 'outputs'], s('teacher-outputs'));
  const shape = s('teacher-input-shape');
  if (shape !== undefined) {
    const dims = shape.split(/[x,]/).map(Number);
    if (dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d <= 0)) throw new UserError(`--teacher-input-shape ${shape}: expected HxWxC, e.g. 224x224x3`);
    setPath(c, ['teacher', 'inputShape'], dims);
  }
  if (s('teacher-scale') !== undefined) setPath(c, ['teacher', 'preprocess', 'scale'], numbers('teacher-scale', s('teacher-scale')!, true)[0]);
  if (s('teacher-mean') !== undefined) setPath(c, ['teacher', 'preprocess', 'mean'], numbers('teacher-mean', s('teacher-mean')!));
  if (s('teacher-std') !== undefined) setPath(c, ['teacher', 'preprocess', 'std'], numbers('teacher-std', s('teacher-std')!, true));
}
