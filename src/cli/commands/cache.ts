import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { checkOutPath } from '../../run-dir/out-path.js';
import type { Command } from '../command.js';
import { numberFlag } from '../command.js';
import { UserError } from '../../core/errors.js';
import { readJsonFile } from '../../config/load.js';
import { BACKEND_CHOICES } from '../../runtime/backend.js';
import { CACHE_DEFAULTS, DATA_DEFAULTS, TRAIN_DEFAULTS } from '../../config/schema.js';
import { DEFAULT_CACHE_BATCH_SIZE, DEFAULT_SHARD_BYTES, INDEX_FILE } from '../../teachers/cache/format.js';
import { parseFeatureFlag, setPath } from '../flags.js';
import { applyTeacherFlags, TEACHER_OPTIONS } from '../teacher-flags.js';
import { shardFromEnv } from '../../teachers/cache/shard-env.js';
import { PLAN_OPTIONS, planCache } from './cache-plan.js';

/** Flags of `cache` that say what is cached (forwarded by `cache plan` to every slice's command); the others are
 * the slice's place (--shard, --out, --force), --quiet and the plan's own. */
export const CACHE_CONTENT_FLAGS = ['config', ...Object.keys(TEACHER_OPTIONS), 'data', 'tap', 'feature', 'cache-dtype', 'batch-size', 'shard-bytes', 'backend'] as const;

/**
 * Whether `--out` (of slice `part`) may be replaced without --force: it is that same slice, finished earlier (a
 * scheduler re-running a task, or a task run twice). Anything else there is refused unless --force.
 */
async function isSameSlice(out: string, part: { index: number; of: number }): Promise<boolean> {
  if (!existsSync(join(out, INDEX_FILE))) return false;
  const { readCacheIndex } = await import('../../teachers/cache/reader.js');
  const idx = await readCacheIndex(out).catch(() => undefined);
  return idx?.part?.index === part.index && idx.part.of === part.of;
}

/**
 * Parses `--shard i/N` (0 ≤ i < N), or `--shard auto` / `auto/N`: the index from the scheduler running the job
 * (Slurm array, Kubernetes Indexed Job, AWS Batch array; see shardFromEnv).
 */
export function parseShardFlag(value: string, env: NodeJS.ProcessEnv = process.env): { index: number; of: number } {
  if (value.trim().startsWith('auto')) return shardFromEnv(value, env);
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = Number(m?.[1]);
  const of = Number(m?.[2]);
  if (!m || of < 1 || index >= of) throw new UserError(`--shard ${value}: expected i/N with 0 ≤ i < N (e.g. --shard 3/8), or auto / auto/N inside a scheduler's array job`);
  return { index, of };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export const command: Command = {
  name: 'cache',
  usage: '[merge SLICE_DIR... | plan]',
  summary:
    'Compute the teacher\'s logits and taps for every training sample once and write them as a teacher cache (sharded binary files + index.json with checksums) for distill --cache DIR. --shard i/N (or auto inside a Slurm array, Kubernetes Indexed Job or AWS Batch array) computes one slice; `cache merge --out DIR SLICE...` joins the slices; `cache plan --scheduler slurm|k8s --shards N --out DIR ...` writes the job files that do both.',
  allowPositionals: true,
  options: {
    config: { type: 'string', short: 'c', description: 'pipeline config JSON (teacher, data, loss taps, cache dtype); flags override it', valueName: 'FILE' },
    ...TEACHER_OPTIONS,
    data: { type: 'string', description: `mnist | idx:DIR | image folder (default ${DATA_DEFAULTS.spec})`, valueName: 'SPEC' },
    tap: { type: 'string', multiple: true, description: 'teacher tensor to store besides the logits (repeatable)', valueName: 'NAME' },
    feature: { type: 'string', multiple: true, description: 'feature-mse mapping as for distill; its teacher tap is stored', valueName: 'MAP' },
    'cache-dtype': { type: 'string', description: `dtype of stored features: float32 | float16 (default ${CACHE_DEFAULTS.dtype})`, valueName: 'D' },
    shard: { type: 'string', description: 'compute slice i of N (0-based), for fan-out over jobs; auto or auto/N: the index from SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX ({shard} in --out becomes it)', valueName: 'i/N' },
    'batch-size': { type: 'string', description: `teacher batch size (default ${DEFAULT_CACHE_BATCH_SIZE})`, valueName: 'N' },
    'shard-bytes': { type: 'string', description: `target size of a shard file in bytes (default ${DEFAULT_SHARD_BYTES}); every slice of a cache must use the same`, valueName: 'B' },
    backend: { type: 'string', description: `tfjs backend: ${BACKEND_CHOICES.join(' | ')} (default ${TRAIN_DEFAULTS.backend})`, valueName: 'B' },
    out: { type: 'string', short: 'o', description: 'cache directory to write', valueName: 'DIR' },
    force: { type: 'boolean', description: 'overwrite a non-empty --out (a slice re-run into its own directory replaces it without --force)' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress bars' },
    ...PLAN_OPTIONS,
  },
  async run(v, positionals) {
    let out = v.out !== undefined ? String(v.out) : undefined;
    if (!out) throw new UserError('--out: missing; give the cache directory to write (e.g. --out caches/mnist-teacher)');
    await checkOutPath(out, '--out');
    const [sub, ...slices] = positionals;
    if (sub !== undefined && sub !== 'merge' && sub !== 'plan') throw new UserError(`cache: unknown subcommand "${sub}". Must be one of [merge, plan] (see edge-distill cache --help)`);
    const planFlag = Object.keys(PLAN_OPTIONS).find((k) => v[k] !== undefined);
    if (sub !== 'plan' && planFlag) throw new UserError(`--${planFlag}: only for edge-distill cache plan`);
    if (sub === 'plan') {
      if (slices.length) throw new UserError(`cache plan: unexpected argument "${slices[0]}" (see edge-distill cache --help)`);
      await planCache(v, out, CACHE_CONTENT_FLAGS);
      return;
    }
    if (sub === 'merge') {
      const { mergeCaches } = await import('../../teachers/cache/index.js');
      const idx = await mergeCaches(slices, out);
      console.log(`merged ${slices.length} slices into ${out}: ${idx.rows} samples in ${idx.shards.length} shards (${mb(idx.shards.reduce((a, s) => a + s.bytes, 0))})`);
      return;
    }
    if (positionals.length) throw new UserError(`cache: unexpected argument "${positionals[0]}" (see edge-distill cache --help)`);
    const part = v.shard !== undefined ? parseShardFlag(String(v.shard)) : undefined;
    if (out.includes('{shard}')) {
      if (!part) throw new UserError(`--out ${out}: {shard} stands for the slice index; give --shard i/N or --shard auto`);
      out = out.replaceAll('{shard}', String(part.index));
    }
    const replace = existsSync(out) && readdirSync(out).length > 0;
    if (replace && !v.force && !(part && (await isSameSlice(out, part)))) {
      throw new UserError(`--out ${out}: directory exists and is not empty${part ? ` (and is not slice ${part.index}/${part.of})` : ''}; use --force to overwrite it, or choose another --out`);
    }
    const c = (v.config ? structuredClone(await readJsonFile(String(v.config), 'pipeline config')) : {}) as Record<string, unknown>;
    applyTeacherFlags(c, v);
    if (!c.teacher) throw new UserError('--teacher: missing; give the tfjs model.json or .onnx file whose outputs to cache');
    if (v.data !== undefined) setPath(c, ['data', 'spec'], String(v.data));
    if (v.backend !== undefined) setPath(c, ['train', 'backend'], String(v.backend));
    if (v['cache-dtype'] !== undefined) setPath(c, ['cache', 'dtype'], String(v['cache-dtype']));
    const features = ((v.feature as string[] | undefined) ?? []).map(parseFeatureFlag);
    if (features.length) setPath(c, ['loss', 'terms'], [...(((c.loss as { terms?: unknown[] } | undefined)?.terms ?? []) as unknown[]), ...features]);
    const batchSize = numberFlag(v, 'batch-size', { min: 1, integer: true });
    const shardBytes = numberFlag(v, 'shard-bytes', { min: 1, integer: true });

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
      const idx = await buildCache({ teacher, data, taps, featureDtype: cfg.cache.dtype, out, replace, ...(part ? { part } : {}), ...(batchSize ? { batchSize } : {}), ...(shardBytes ? { shardBytes } : {}), log: stderrLogger, quiet: Boolean(v.quiet) });
      const rows = idx.shards.reduce((a, s) => a + s.rows, 0);
      console.log(`wrote ${out}: ${rows} of ${idx.rows} training samples${part ? ` (slice ${part.index}/${part.of})` : ''} in ${idx.shards.length} shards (${mb(idx.shards.reduce((a, s) => a + s.bytes, 0))}), taps [${idx.taps.join(', ')}], ${idx.seconds.toFixed(1)}s`);
      console.log(part ? `when every slice is done: edge-distill cache merge --out DIR SLICE_DIR...` : `use it with: edge-distill distill --cache ${out} ...`);
    } finally {
      teacher.dispose();
    }
  },
};
