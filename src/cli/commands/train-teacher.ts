import type { Command } from '../command.js';
import { numberFlag } from '../command.js';
import { UserError } from '../../core/errors.js';
import { BACKEND_CHOICES, type BackendChoice } from '../../runtime/backend.js';
import { resolveWorkers } from '../../config/workers.js';
import { WORKERS_OPTION } from '../flags.js';
import { DATA_DEFAULTS, TEACHER_TRAINING_DEFAULTS, TRAIN_DEFAULTS } from '../../config/schema.js';

export const command: Command = {
  name: 'train-teacher',
  summary: 'Train a reference teacher on labels only (hard-label cross-entropy). OUT/student/model.json is the teacher to pass to --teacher.',
  options: {
    data: { type: 'string', description: `mnist | idx:DIR | image folder (default ${DATA_DEFAULTS.spec})`, valueName: 'SPEC' },
    arch: { type: 'string', description: `FAMILY or FAMILY:key=value,... e.g. vgg, cnn:width=2,depth=3 (default ${TEACHER_TRAINING_DEFAULTS.arch})`, valueName: 'ARCH' },
    epochs: { type: 'string', description: `training epochs (default ${TEACHER_TRAINING_DEFAULTS.epochs})`, valueName: 'N' },
    'batch-size': { type: 'string', description: `batch size (default ${TRAIN_DEFAULTS.batchSize})`, valueName: 'N' },
    lr: { type: 'string', description: `peak learning rate (default ${TEACHER_TRAINING_DEFAULTS.learningRate})`, valueName: 'LR' },
    seed: { type: 'string', description: `seed (default ${TRAIN_DEFAULTS.seed})`, valueName: 'N' },
    'train-limit': { type: 'string', description: 'use at most N training samples', valueName: 'N' },
    backend: { type: 'string', description: `tfjs backend: ${BACKEND_CHOICES.join(' | ')} (default ${TRAIN_DEFAULTS.backend})`, valueName: 'B' },
    workers: WORKERS_OPTION,
    out: { type: 'string', short: 'o', description: 'output directory', valueName: 'DIR' },
    resume: { type: 'boolean', description: 'continue the run in --out from its last checkpoint' },
    force: { type: 'boolean', description: 'overwrite a non-empty --out' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress bars' },
  },
  async run(v) {
    if (v.out === undefined) throw new UserError('--out: missing; give the directory to write the teacher to');
    const { trainTeacher } = await import('../../distill/train-teacher.js');
    const r = await trainTeacher({
      data: v.data !== undefined ? String(v.data) : DATA_DEFAULTS.spec,
      out: String(v.out),
      ...(v.arch !== undefined ? { arch: String(v.arch) } : {}),
      ...(v.epochs !== undefined ? { epochs: numberFlag(v, 'epochs', { min: 1, integer: true })! } : {}),
      ...(v['batch-size'] !== undefined ? { batchSize: numberFlag(v, 'batch-size', { min: 1, integer: true })! } : {}),
      ...(v.lr !== undefined ? { learningRate: numberFlag(v, 'lr', { min: 0 })! } : {}),
      ...(v.seed !== undefined ? { seed: numberFlag(v, 'seed', { integer: true })! } : {}),
      ...(v['train-limit'] !== undefined ? { trainLimit: numberFlag(v, 'train-limit', { min: 1, integer: true })! } : {}),
      ...(v.backend !== undefined ? { backend: String(v.backend) as BackendChoice } : {}),
      ...(v.workers !== undefined ? { workers: resolveWorkers(String(v.workers), '--workers') } : {}),
      force: Boolean(v.force),
      resume: Boolean(v.resume),
      quiet: Boolean(v.quiet),
    });
    console.log(`teacher ${r.metrics.architecture.family} (${r.metrics.architecture.description}): ${r.metrics.architecture.paramCount} params, test accuracy ${(r.metrics.test.accuracy * 100).toFixed(2)}% on ${r.metrics.test.n} images (${r.metrics.seconds.toFixed(1)}s)`);
    console.log(`wrote ${r.modelPath} (use it as --teacher)`);
  },
};
