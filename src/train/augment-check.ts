/** What augmentation cannot be combined with, refused before a run directory is touched and again by the trainer. */
import { UserError } from '../core/errors.js';
import type { Dataset } from '../core/types.js';
import type { AugmentOpConfig, LossConfig } from '../config/schema.js';
import { augmentOps } from '../data/augment/index.js';

/**
 * Refuses augmentation where it would be silently wrong: teacher outputs looked up by sample index (a teacher cache
 * holds the un-augmented images' outputs, the student would see other images), and images mixed in pairs when the
 * data has unlabeled images (label −1; `labeled === false`) and hard-ce reads labels: a mixed label needs both.
 */
export function checkAugment(o: { augment: readonly AugmentOpConfig[]; data: Dataset; loss: LossConfig; needsTeacher: boolean; byIndex?: boolean | undefined }): void {
  if (o.augment.length === 0) return;
  if (o.needsTeacher && o.byIndex) {
    throw new UserError('--augment: the teacher outputs come from a teacher cache, which holds them for the un-augmented images; the teacher must see each augmented batch, so run it live (--no-cache) or drop --augment');
  }
  checkMixedLabels(o.augment, o.data, o.loss);
}

/** Refuses mixup/cutmix when the data has unlabeled images (`labeled === false`) and a weighted hard-ce term. */
export function checkMixedLabels(augment: readonly AugmentOpConfig[], data: Dataset, loss: LossConfig): void {
  const mixing = augment.find((a) => augmentOps.get(a.op).mixes)?.op;
  // `labeled` comes with unlabeled data (image folders without classes); a dataset without the field is labeled.
  const unlabeled = data.labeled === false || data.partialLabels === true;
  if (mixing && unlabeled && loss.terms.some((t) => t.kind === 'hard-ce' && t.weight > 0)) {
    throw new UserError(`--augment ${mixing}: mixes the labels of image pairs, but ${data.name} has unlabeled images (label -1) and the loss has hard-ce; drop ${mixing} from --augment, or hard-ce from --loss (soft-kl reads no labels)`);
  }
}
