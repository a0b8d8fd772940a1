/**
 * Images without labels (a folder of images, no class sub-folders), for distillation from the teacher alone: the
 * student learns the teacher's outputs on them, and a held-out part measures how often the two agree.
 *
 * The dataset has `labeled: false`, `numClasses` 0 and no class names; every label in a batch is -1. Its `train`
 * split is the images the student learns from, its `test` split the held-out images (a seeded `heldOutFrac`, 10% by
 * default), and `val` is empty. Combining it with labelled data is the caller's part (the distill stage).
 */
import { ImageFolderDataset, type UnlabeledOptions } from './image-folder.js';
import { unlabeledLayout } from './folder-layout.js';

/** Opens the images directly in `dir` as an unlabeled dataset, decoded once like any image folder. */
export async function openUnlabeled(dir: string, opts: UnlabeledOptions): Promise<ImageFolderDataset> {
  return ImageFolderDataset.build(`unlabeled:${dir}`, await unlabeledLayout(dir), opts, `unlabeled:${dir}`);
}
