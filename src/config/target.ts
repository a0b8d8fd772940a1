/**
 * Deployment targets (targets/*.json): where and how a model is benchmarked, and the budget it must meet there.
 * The zod schema is the source of truth for the fields and their values; which backends each runtime offers on each
 * host is the runner registry's (src/bench/targets.ts adds that rule and generates targets/target.schema.json for
 * editors: `npm run targets:schema`, checked by a test).
 */
import { z } from 'zod';
import { readdir } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../core/errors.js';
import { explainUnknownKeys, formatIssues, readJsonFile } from './load.js';

export const RUNTIMES = ['tfjs', 'onnxruntime'] as const;
export const HOSTS = ['node', 'chromium'] as const;
export const BACKENDS = ['cpu', 'wasm', 'webgl', 'webgpu', 'tensorflow'] as const;
export const PRECISIONS = ['fp32', 'float16', 'uint16', 'uint8', 'int8'] as const;
export type Runtime = (typeof RUNTIMES)[number];
export type Host = (typeof HOSTS)[number];
export type Backend = (typeof BACKENDS)[number];

/** The artifact format each runtime loads. */
export const FORMAT_OF_RUNTIME = { tfjs: 'tfjs', onnxruntime: 'onnx' } as const;

/**
 * Network profiles a Chromium target can load under (CDP Network.emulateNetworkConditions: `latencyMs` is added to
 * every request, bodies flow at most at `downloadBytesPerSec`). slow-4g is Lighthouse's mobile "Slow 4G" (rttMs 150,
 * throughputKbps 1.6·1024, uploadThroughputKbps 750, lighthouse-core/config/constants.js) applied as given, not with
 * the DevTools-throttling multipliers (×3.75 latency, ×0.9 throughput) Lighthouse adds on top; 3g is Chrome
 * DevTools' "Slow 3G" preset (2000 ms, 500 kbit/s·0.8 both ways).
 */
export const NETWORK_PROFILES = {
  'slow-4g': { latencyMs: 150, downloadBytesPerSec: (1.6 * 1024 * 1024) / 8, uploadBytesPerSec: (750 * 1024) / 8 },
  '3g': { latencyMs: 2000, downloadBytesPerSec: (500 * 1000 * 0.8) / 8, uploadBytesPerSec: (500 * 1000 * 0.8) / 8 },
} as const;
export type NetworkProfileName = keyof typeof NETWORK_PROFILES;

const Precision = z.enum(PRECISIONS);
const positiveMs = z.number().positive();

export const TimingSpec = z
  .object({
    warmupIterations: z.number().int().nonnegative().default(10).describe('untimed calls before sampling ...'),
    warmupMs: z.number().nonnegative().default(1000).describe('... lasting at least this long (ms), so V8 has moved hot code to its optimising tier'),
    minIterations: z.number().int().positive().default(30).describe('at least this many samples'),
    minTimeMs: z.number().nonnegative().default(1000).describe('and at least this much sampling time (ms)'),
    maxTimeMs: positiveMs.default(8000).describe('stop sampling after this long (ms) even if the estimate is not yet stable'),
    targetRelCi: z.number().positive().max(1).default(0.02).describe('sample until the 95% interval of the mean is within ± this fraction of it'),
    minSampleMs: z.number().nonnegative().default(0).describe('each sample lasts at least this long (ms): shorter calls are repeated back-to-back'),
  })
  .strict();

export const BudgetSpec = z
  .object({
    maxBytes: z.number().int().positive().optional().describe('largest allowed artifact size, raw bytes'),
    maxGzipBytes: z.number().int().positive().optional().describe('largest allowed artifact size, gzip bytes (what a CDN sends)'),
    maxP50Ms: positiveMs.optional().describe('largest allowed median latency at batch 1 (ms)'),
    maxP95Ms: positiveMs.optional().describe('largest allowed 95th-percentile latency at batch 1 (ms)'),
    maxFirstPredictionMs: positiveMs
      .optional()
      .describe('largest allowed time to first prediction (ms): runtime start, model download, model load, first inference (browser targets)'),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.maxP50Ms !== undefined && b.maxP95Ms !== undefined && b.maxP95Ms < b.maxP50Ms) {
      ctx.addIssue({ code: 'custom', path: ['maxP95Ms'], message: `must be ≥ maxP50Ms (${b.maxP50Ms}): a 95th percentile is never below the median` });
    }
  });

const TargetObject = z
  .object({
    $schema: z.string().optional().describe('path or URL of target.schema.json (for editors)'),
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes, e.g. "chromium-ort-wasm"')
      .describe('unique name, used by --only and in reports'),
    description: z.string().min(1).describe('one line: what device or deployment this stands for'),
    runtime: z.enum(RUNTIMES),
    host: z.enum(HOSTS),
    backend: z.enum(BACKENDS).describe('tfjs backend or onnxruntime execution provider'),
    threads: z.number().int().positive().default(1).describe('intra-op threads (onnxruntime, tfjs wasm in a browser)'),
    cpuThrottling: z.number().min(1).default(1).describe('Chromium CPU slow-down factor (CDP Emulation.setCPUThrottlingRate); 4 = Lighthouse mobile'),
    network: z
      .enum(Object.keys(NETWORK_PROFILES) as [NetworkProfileName, ...NetworkProfileName[]])
      .optional()
      .describe('Chromium: load the runtime and the model under this network profile (files gzip-compressed, as a deployment serves them); slow-4g = Lighthouse mobile'),
    batchSizes: z
      .array(z.number().int().positive())
      .min(1)
      .default([1, 8, 32])
      .describe('batch sizes for throughput; latency is always measured at batch 1'),
    timing: TimingSpec.default(TimingSpec.parse({})),
    artifact: z
      .object({
        format: z.enum(['tfjs', 'onnx']),
        precision: z.union([Precision, z.array(Precision).min(1)]).default('fp32').describe('one precision or a list; each present in the export is benchmarked'),
      })
      .strict(),
    budget: BudgetSpec.default({}),
  })
  .strict();

/** A rule a higher layer adds to the target schema: the problems it finds in a target (path and message each). */
export type TargetRule = (t: z.output<typeof TargetObject>) => { path: string[]; message: string }[];

/**
 * The target schema with `rules` (e.g. the bench layer's "a runner offers this runtime, host and backend") checked
 * first among the cross-field rules, so their problems read like the schema's own.
 */
function targetSchema(rules: readonly TargetRule[]) {
  return TargetObject.superRefine((t, ctx) => {
    for (const rule of rules) for (const { path, message } of rule(t)) ctx.addIssue({ code: 'custom', path, message });
    if (t.artifact.format !== FORMAT_OF_RUNTIME[t.runtime]) {
      ctx.addIssue({ code: 'custom', path: ['artifact', 'format'], message: `${t.runtime} loads "${FORMAT_OF_RUNTIME[t.runtime]}" artifacts, not "${t.artifact.format}"` });
    }
    if (t.host !== 'chromium' && t.cpuThrottling !== 1) {
      ctx.addIssue({ code: 'custom', path: ['cpuThrottling'], message: 'only chromium targets can be throttled (CDP); use 1 on node' });
    }
    if (t.host !== 'chromium' && t.network !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['network'], message: 'only chromium targets load over a (throttled) network; remove it on node' });
    }
    if (t.host !== 'chromium' && t.budget.maxFirstPredictionMs !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['budget', 'maxFirstPredictionMs'], message: 'time to first prediction is measured in browsers only (chromium targets)' });
    }
    if (new Set(t.batchSizes).size !== t.batchSizes.length) {
      ctx.addIssue({ code: 'custom', path: ['batchSizes'], message: 'has duplicates' });
    }
    if (t.timing.maxTimeMs < t.timing.minTimeMs) {
      ctx.addIssue({ code: 'custom', path: ['timing', 'maxTimeMs'], message: `must be ≥ minTimeMs (${t.timing.minTimeMs})` });
    }
  });
}

/**
 * A deployment target (validated): the enums and the cross-field rules of this layer. Which backend each runtime
 * offers on each host is the runners' to say (src/bench/targets.ts adds that rule).
 */
export const TargetSchema = targetSchema([]);

export type Target = z.infer<typeof TargetSchema>;
export type TargetInput = z.input<typeof TargetSchema>;
export type Budget = z.infer<typeof BudgetSpec>;

/** The precisions a target benchmarks, as a list. */
export function targetPrecisions(t: Target): string[] {
  return Array.isArray(t.artifact.precision) ? t.artifact.precision : [t.artifact.precision];
}

/** Validates a parsed target (with extra `rules`); a problem is a {@link UserError} `source: path.to.field: message`. */
export function parseTarget(value: unknown, source: string, rules: readonly TargetRule[] = []): Target {
  const r = (rules.length ? targetSchema(rules) : TargetSchema).safeParse(value);
  if (!r.success) throw new UserError(formatIssues(source, explainUnknownKeys(r.error, TargetObject)));
  return r.data;
}

/** Reads and validates one target file (with extra `rules`). */
export async function loadTarget(path: string, rules: readonly TargetRule[] = []): Promise<Target> {
  return parseTarget(await readJsonFile(path, 'target JSON file'), path, rules);
}

/** The targets/ folder shipped with the package (src/config → ../../targets, and the same from dist/config). */
export function builtinTargetsDir(): string {
  return fileURLToPath(new URL('../../targets/', import.meta.url));
}

/**
 * Expands target file arguments: plain paths, directories (their *.json), and globs whose wildcards (`*`, `?`) are
 * in the file name only (e.g. `targets/*.json`). The schema file itself is never a target.
 */
export async function expandTargetPaths(patterns: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const pattern of patterns) {
    const dir = dirname(pattern);
    const name = basename(pattern);
    if (/[*?]/.test(dir)) throw new UserError(`${pattern}: wildcards are supported in the file name only (e.g. targets/*.json)`);
    if (/[*?]/.test(name)) {
      if (!existsSync(dir)) throw new UserError(`${pattern}: folder ${dir} not found`);
      const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
      const hits = (await readdir(dir)).filter((f) => re.test(f) && f !== 'target.schema.json').sort();
      if (hits.length === 0) throw new UserError(`${pattern}: matches no files`);
      out.push(...hits.map((f) => join(dir, f)));
    } else if (existsSync(pattern) && statSync(pattern).isDirectory()) {
      out.push(...(await expandTargetPaths([join(pattern, '*.json')])));
    } else {
      if (!existsSync(pattern)) throw new UserError(`${pattern}: target file not found`);
      out.push(pattern);
    }
  }
  return [...new Set(out.map((p) => resolve(p)))];
}

/** Loads every target the patterns name (with extra `rules`); two files with the same id are a {@link UserError}. */
export async function loadTargets(patterns: string[], rules: readonly TargetRule[] = []): Promise<{ path: string; target: Target }[]> {
  const paths = await expandTargetPaths(patterns);
  const loaded = [];
  const seen = new Map<string, string>();
  for (const path of paths) {
    const target = await loadTarget(path, rules);
    const other = seen.get(target.id);
    if (other) throw new UserError(`${path}: id: "${target.id}" is already used by ${other}; ids must be unique`);
    seen.set(target.id, path);
    loaded.push({ path, target });
  }
  return loaded;
}

/**
 * The JSON Schema (draft 2020-12) of a target file, for editors. Cross-field rules are checked by the tool only;
 * src/bench/targets.ts adds the backends each runtime offers on each host to the description.
 */
export function targetJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(TargetObject, { io: 'input' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    $id: 'https://edge-distill.dev/schemas/target.schema.json',
    title: 'edge-distill deployment target',
    description: 'Where and how a model is benchmarked, and its budget.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}
