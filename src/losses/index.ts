import * as tf from '@tensorflow/tfjs';
import { createRegistry } from '../core/registry.js';
import type { LabelMix, LossContext, LossTerm, Outputs } from '../core/types.js';
import type { LossConfig } from '../config/schema.js';
import { validate } from '../config/load.js';
import { UserError } from '../core/errors.js';
import { softKlTerm } from './soft-kl.js';
import { hardCeTerm } from './hard-ce.js';
import { featureMseTerm } from './feature-mse.js';
import { dkdTerm } from './dkd.js';
import { distTerm } from './dist.js';

/** The loss terms, by name. Adding one: a file in this folder, a line here, a test with hand-worked values. */
export const lossTerms = createRegistry<LossTerm<any>>('loss term');
lossTerms.register(softKlTerm);
lossTerms.register(hardCeTerm);
lossTerms.register(featureMseTerm);
lossTerms.register(dkdTerm);
lossTerms.register(distTerm);

/** A built combined loss: per-term values and their weighted sum. */
export interface CombinedLoss {
  /** Student and teacher taps the terms need. */
  taps: { student: string[]; teacher: string[] };
  /** True when some term reads teacher outputs. */
  needsTeacher: boolean;
  /**
   * Σ_k w_k · term_k(s, t, y) and each term's unweighted value (scalars; call inside a gradient function). `mix`: the
   * images were mixed in pairs (mixup, cutmix), so the terms that read labels mix them too.
   */
  compute(s: Outputs, t: Outputs | undefined, labels: tf.Tensor1D, mix?: LabelMix): { total: tf.Scalar; parts: Record<string, tf.Scalar> };
}

/** Resolves each term's params (`loss.terms[i]: message` on bad ones) and builds the weighted sum. */
export function parseLossTerms(config: LossConfig, source = 'loss'): { term: LossTerm<any>; params: unknown; weight: number; key: string }[] {
  return config.terms.map((raw, i) => {
    const { kind, weight, ...rest } = raw;
    const term = lossTerms.get(kind);
    const params = validate(term.params, rest, `${source}.terms.${i} (${kind})`);
    return { term, params, weight, key: config.terms.filter((t) => t.kind === kind).length > 1 ? `${kind}#${i}` : kind };
  });
}

/**
 * The one-line error for a loss with weighted teacher terms and no teacher: those terms named, and the registry's
 * terms that need none offered instead.
 */
export function missingTeacherError(config: LossConfig): UserError {
  const needing = [...new Set(parseLossTerms(config).filter((p) => p.term.needsTeacher && p.weight > 0).map((p) => p.term.name))];
  const free = lossTerms.all().filter((t) => !t.needsTeacher).map((t) => t.name);
  return new UserError(`the loss has teacher terms (${needing.join(', ')}) but no teacher was given; pass --teacher, or keep only terms that need none (${free.join(', ')}), e.g. --loss ${free[0] ?? 'hard-ce'}=1`);
}

/** `--loss` help: every registered term with its parameters and their defaults (`dkd (alpha=1, beta=8, ...)`). */
export function describeLossTerms(): string {
  return lossTerms
    .all()
    .map((t) => {
      const d = t.params.safeParse({});
      const params = d.success ? Object.entries(d.data as object).map(([k, v]) => `${k}=${String(v)}`) : [];
      return params.length ? `${t.name} (${params.join(', ')})` : t.name;
    })
    .join(' | ');
}

/** Builds the combined loss of `config` (a weighted sum of named terms, torchdistill-style). */
export function buildLoss(config: LossConfig, ctx: LossContext): CombinedLoss {
  const parsed = parseLossTerms(config);
  const fns = parsed.map((p) => ({ ...p, fn: p.term.create(p.params, ctx) }));
  const taps = { student: [...new Set(parsed.flatMap((p) => p.term.taps(p.params).student))], teacher: [...new Set(parsed.flatMap((p) => p.term.taps(p.params).teacher))] };
  return {
    taps,
    needsTeacher: parsed.some((p) => p.term.needsTeacher && p.weight > 0),
    compute(s, t, labels, mix) {
      const parts: Record<string, tf.Scalar> = {};
      let total: tf.Scalar = tf.scalar(0);
      for (const f of fns) {
        if (f.weight === 0) continue;
        const v = f.fn(s, t, labels, mix);
        parts[f.key] = v;
        total = tf.add(total, tf.mul(v, f.weight));
      }
      return { total, parts };
    },
  };
}
