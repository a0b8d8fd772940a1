import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { checkOutPath } from '../../run-dir/out-path.js';
import type { Command } from '../command.js';
import { numberFlag } from '../command.js';
import { UserError } from '../../core/errors.js';
import { readJsonFile } from '../../config/load.js';
import { BACKEND_CHOICES } from '../../runtime/backend.js';
import { CACHE_DEFAULTS, DATA_DEFAULTS, TRAIN_DEFAULTS } from '../../config/schema.js';
import { DEFAULT_CACHE_BATCH_SIZE } from '../../teachers/cache/format.js';
import { parseFeatureFlag, setPath } from '../flags.js';
import { applyTeacherFlags, TEACHER_OPTIONS } from '../teacher-flags.js';

/** Parses `--shard i/N` (0 ≤ i < N). */
export function parseShardFlag(value: string): { index: number; of: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = Number(m?.[1]);
  const of = Number(m?.[2]);
  if (!m || of < 1 || index >= of) throw new UserError(`--shard ${value}: expected i/N with 0 ≤ i < N (e.g. --shard $JOB_COMPLETION_INDEX/8)`);
  return { index, of };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export const command: Command = {
  name: 'cache',
  usage: '[merge SLICE_DIR...]',
  summary:
    'Compute the teacher\'s logits and taps for every training sample once and write them as a teacher cache (sharded binary files + index.json with checksums) for distill --cache DIR. --shard i/N computes one slice; `cache merge --out DIR SLICE...` joins the slices.',
  allowPositionals: true,
  options: {
    config: { type: 'string', short: 'c', description: 'pipeline config JSON (teacher, data, loss taps, cache dtype); flags override it', valueName: 'FILE' },
    ...TEACHER_OPTIONS,
    data: { type: 'string', description: `mnist | idx:DIR | image folder (default ${DATA_DEFAULTS.spec})`, valueName: 'SPEC' },
    tap: { type: 'string', multiple: true, description: 'teacher tensor to store besides the logits (repeatable)', valueName: 'NAME' },
    feature: { type: 'string', multiple: true, description: 'feature-mse mapping as for distill; its teacher tap is stored', valueName: 'MAP' },
    'cache-dtype': { type: 'string', description: `dtype of stored features: float32 | float16 (default ${CACHE_DEFAULTS.dtype})`, valueName: 'D' },
    shard: { type: 'string', description: 'compute slice i of N (0-based), for fan-out over jobs', valueName: 'i/N' },
    'batch-size': { type: 'string', description: `teacher batch size (default ${DEFAULT_CACHE_BATCH_SIZE})`, valueName: 'N' },
    backend: { type: 'string', description: `tfjs backend: ${BACKEND_CHOICES.join(' | ')} (default ${TRAIN_DEFAULTS.backend})`, valueName: 'B' },
    out: { type: 'string', short: 'o', description: 'cache directory to write', valueName: 'DIR' },
    force: { type: 'boolean', description: 'overwrite a non-empty --out' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress bars' },
  },
  async run(v, positionals) {
    const out = v.out !== undefined ? String(v.out) : undefined;
    if (!out) throw new UserError('--out: missing; give the cache directory to write (e.g. --out caches/mnist-teacher)');
    await checkOutPath(out, '--out');
    const [sub, ...slices] = positionals;
    if (sub !== undefined && sub !== 'merge') throw new UserError(`cache: unknown subcommand "${sub}". Must be one of [merge] (see edge-distill cache --help)`);
    if (sub === 'merge') {
      const { mergeCaches } = await import('../../teachers/cache/index.js');
      const idx = await mergeCaches(slices, out);
      console.log(`merged ${slices.length} slices into ${out}: ${idx.rows} samples in ${idx.shards.length} shards (${mb(idx.shards.reduce((a, s) => a + s.bytes, 0))})`);
      return;
    }
    if (positionals.length) throw new UserError(`cache: unexpected argument "${positionals[0]}" (see edge-distill cache --help)`);
    if (existsSync(out) && readdirSync(out).length > 0) {
      if (!v.force) throw new UserError(`--out ${out}: directory exists and is not empty; use --force to overwrite it, or choose another --out`);
    }
    const c = (v.config ? structuredClone(await readJsonFile(String(v.config), 'pipeline config')) : {}) as Record<string, unknown>;
    applyTeacherFlags(c, v);
    if (!c.teacher) throw new UserError('--teacher: missing; give the tfjs model.json or .onnx file whose outputs to cache');
    if (v.data !== undefined) setPath(c, ['data', 'spec'], String(v.data));
    if (v.backend !== undefined) setPath(c, ['train', 'backend'], String(v.backend));
    if (v['cache-dtype'] !== undefined) setPath(c, ['cache', 'dtype'], String(v['cache-dtype']));
    const features = ((v.feature as string[] | undefined) ?? []).map(parseFeatureFlag);
    if (features.length) setPath(c, ['loss', 'terms'], [...(((c.loss as { terms?: unknown[] } | undefined)?.terms ?? []) as unknown[]), ...features]);
    const part = v.shard !== undefined ? parseShardFlag(String(v.shard)) : undefined;
    const batchSize = numberFlag(v, 'batch-size', { min: 1, integer: true });

    const { resolveDistillConfig, openConfiguredData, checkTeacherData, probeOnData } = await import('../../distill/index.js');
    const { initBackend } = await import('../../runtime/backend.js');
    const { loadTeacher } = await import('../../teachers/index.js');
    const { teacherTapsOf } = await import('../../train/loss-check.js');
    const { buildCache } = await import('../../teachers/cache/index.js');
    const { stderrLogger } = await import('../../core/progress.js');
    const cfg = resolveDistillConfig(c, v.config ? String(v.config) : 'flags');
    await initBackend(cfg.train.backend, stderrLogger);
    const teacher = await loadTeacher(cfg.teacher!);
    try {
      const data = await openConfiguredData(cfg, stderrLogger, teacher.inputShape);
      checkTeacherData(teacher, data);
      await probeOnData(teacher, data);
      const taps = [...new Set([...teacherTapsOf(cfg.loss), ...((v.tap as string[] | undefined) ?? [])])];
      teacher.checkTaps(taps);
      if (v.force) await rm(out, { recursive: true, force: true });
      const idx = await buildCache({ teacher, data, taps, featureDtype: cfg.cache.dtype, out, ...(part ? { part } : {}), ...(batchSize ? { batchSize } : {}), log: stderrLogger, quiet: Boolean(v.quiet) });
      const rows = idx.shards.reduce((a, s) => a + s.rows, 0);
      console.log(`wrote ${out}: ${rows} of ${idx.rows} training samples${part ? ` (slice ${part.index}/${part.of})` : ''} in ${idx.shards.length} shards (${mb(idx.shards.reduce((a, s) => a + s.bytes, 0))}), taps [${idx.taps.join(', ')}], ${idx.seconds.toFixed(1)}s`);
      console.log(part ? `when every slice is done: edge-distill cache merge --out DIR SLICE_DIR...` : `use it with: edge-distill distill --cache ${out} ...`);
    } finally {
      teacher.dispose();
    }
  },
};
