/**
 * What a served device may post, checked with zod before anything is merged: a job's outcome or "done". Every
 * string and array is capped, unknown fields are refused, and the server caps the body's bytes before parsing.
 */
import { z } from 'zod';

/** Largest results post accepted (bytes); larger ones get 413 and never reach the parser. */
export const MAX_POST_BYTES = 2 * 1024 * 1024;

const ms = z.number().finite().nonnegative();
const text = (max: number) => z.string().max(max);

const Samples = z
  .object({
    samplesMs: z.array(ms).min(1).max(200_000),
    callsPerSample: z.number().int().positive(),
    clockResolutionMs: ms,
    calls: z.number().int().nonnegative(),
    totalMs: ms,
  })
  .strict();

const FirstPrediction = z
  .object({
    totalMs: ms, runtimeMs: ms, runtimeDownloadMs: ms, runtimeTransferBytes: z.number().int().nonnegative(),
    modelDownloadMs: ms, modelFiles: z.number().int().nonnegative(), modelTransferBytes: z.number().int().nonnegative(),
    modelEncodedBytes: z.number().int().nonnegative(), modelBodyBytes: z.number().int().nonnegative(), modelLoadMs: ms, firstInferenceMs: ms,
  })
  .strict();

const Opened = z
  .object({
    runtimeVersion: text(200),
    runtimeInitMs: ms,
    coldLoadMs: ms,
    firstPrediction: FirstPrediction,
    fixedBatch: z.number().int().positive().nullable(),
    device: z.object({ description: text(500), softwareEmulated: z.boolean() }).strict(),
    notes: z.array(text(500)).max(50),
  })
  .strict();

const Result = z
  .object({
    opened: Opened,
    latency: Samples.optional(),
    throughput: z.array(z.object({ batch: z.number().int().positive(), samples: Samples.optional(), error: text(500).optional() }).strict()).max(64),
    predictions: z.array(z.number().int().min(-1)).max(100_000),
    memory: z
      .object({ bytes: z.number().nonnegative().optional(), gpuBytes: z.number().nonnegative().optional(), tensors: z.number().int().nonnegative().optional(), source: text(200) })
      .strict()
      .nullable(),
  })
  .strict();

export const DeviceFactsSchema = z
  .object({
    userAgent: text(1000),
    platform: text(200).optional(),
    hardwareConcurrency: z.number().int().positive().max(65_536).optional(),
    deviceMemoryGb: z.number().positive().max(65_536).optional(),
    webgpuAdapter: text(500).optional(),
    webglRenderer: text(500).optional(),
    secureContext: z.boolean(),
    crossOriginIsolated: z.boolean(),
    screen: text(100).optional(),
  })
  .strict();

const common = { runId: text(100), deviceId: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 hex digits'), device: DeviceFactsSchema };

/** A results post: one job's outcome, or the device saying it ran every job. */
export const PostSchema = z.discriminatedUnion('kind', [
  z
    .object({ kind: z.literal('job'), ...common, jobId: text(20), status: z.enum(['ok', 'skipped', 'error']), reason: text(2000).optional(), result: Result.optional() })
    .strict()
    .refine((p) => (p.status === 'ok') === (p.result !== undefined), { message: 'a result comes with status "ok" and only then', path: ['result'] })
    .refine((p) => p.status === 'ok' || p.reason !== undefined, { message: 'a skipped or failed job says why', path: ['reason'] }),
  z.object({ kind: z.literal('done'), ...common }).strict(),
]);

export type Post = z.infer<typeof PostSchema>;
export type JobPost = Extract<Post, { kind: 'job' }>;

/** Parses a post body; a problem is one line naming the field. */
export function parsePost(body: Buffer): { ok: true; post: Post } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, error: 'the body is not JSON' };
  }
  const r = PostSchema.safeParse(value);
  if (r.success) return { ok: true, post: r.data };
  const issue = r.error.issues[0]!;
  return { ok: false, error: `${issue.path.join('.') || '(body)'}: ${issue.message}` };
}
