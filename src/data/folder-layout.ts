/**
 * Which images an image-folder spec names, and which split and class each belongs to: a plain folder of class
 * folders (split later by fractions), the dataset's own train/ test/ [val/] folders (a root holding them, or
 * `train=DIR,test=DIR[,val=DIR]`), or a folder of images without classes.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, listOf } from '../core/errors.js';
import type { SplitName } from '../core/types.js';
import { classFolders, imageFiles, subfolders } from './listing.js';

/** `classes`: one folder of class folders; `splits`: the dataset's own splits; `unlabeled`: images without classes. */
export type LayoutKind = 'classes' | 'splits' | 'unlabeled';

/** The listed images in a fixed order (split by split, class by class, file name), each with its class and split. */
export interface FolderLayout {
  kind: LayoutKind;
  classNames: string[];
  files: string[];
  /** Class index of each file (-1 for unlabeled images). */
  labels: Int32Array;
  /** The split folder each file came from (`splits` layouts only). */
  parts?: SplitName[];
  /** Which splits have their own folder (`splits` layouts only). */
  partDirs?: Partial<Record<SplitName, string>>;
}

const SPLIT_ORDER: SplitName[] = ['train', 'val', 'test'];
const PARTS_FORM = 'train=DIR,test=DIR[,val=DIR]';
const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** True when `spec` has the `train=DIR,test=DIR[,val=DIR]` form. */
export const isPartsSpec = (spec: string) => /^(train|val|test)=/.test(spec);

/** Parses `train=DIR,test=DIR[,val=DIR]`. */
export function parsePartsSpec(spec: string): Partial<Record<SplitName, string>> {
  const dirs: Partial<Record<SplitName, string>> = {};
  for (const part of spec.split(',')) {
    const m = /^([a-z]+)=(.+)$/.exec(part.trim());
    if (!m || !SPLIT_ORDER.includes(m[1] as SplitName)) throw new UserError(`--data ${spec}: "${part}" is not split=DIR; expected ${PARTS_FORM}`);
    if (dirs[m[1] as SplitName]) throw new UserError(`--data ${spec}: ${m[1]}= is given twice; expected ${PARTS_FORM}`);
    dirs[m[1] as SplitName] = m[2]!;
  }
  for (const need of ['train', 'test'] as const) if (!dirs[need]) throw new UserError(`--data ${spec}: no ${need}=DIR; expected ${PARTS_FORM}`);
  return dirs;
}

/** The split folders of a root holding train/ and test/ (and optionally val/) folders of class folders, if it is one. */
export async function ownSplitDirs(root: string): Promise<Partial<Record<SplitName, string>> | undefined> {
  const train = join(root, 'train');
  // A class that happens to be called "train" holds images, not class folders.
  if (!isDir(train) || (await subfolders(train)).length === 0) return undefined;
  if (!isDir(join(root, 'test'))) throw new UserError(`--data ${root}: has a train/ folder of class folders but no test/ folder; expected train/ and test/ (and optionally val/) folders, each with one sub-folder per class`);
  return { train, test: join(root, 'test'), ...(isDir(join(root, 'val')) ? { val: join(root, 'val') } : {}) };
}

/** "only in train: [a, b]; only in train+val: [c]" for classes not in every split; empty when all agree. */
export function classDifference(perSplit: Partial<Record<SplitName, string[]>>): string {
  const splits = SPLIT_ORDER.filter((s) => perSplit[s]);
  const all = [...new Set(splits.flatMap((s) => perSplit[s]!))].sort();
  const groups = new Map<string, string[]>();
  for (const cls of all) {
    const inSplits = splits.filter((s) => perSplit[s]!.includes(cls));
    if (inSplits.length === splits.length) continue;
    const k = inSplits.join('+');
    groups.set(k, [...(groups.get(k) ?? []), cls]);
  }
  return [...groups].map(([k, classes]) => `only in ${k}: ${listOf(classes)}`).join('; ');
}

/** Lists the dataset's own splits; class folders must agree across them, and no split may be empty. */
export async function splitsLayout(spec: string, dirs: Partial<Record<SplitName, string>>): Promise<FolderLayout> {
  const perSplit: Partial<Record<SplitName, Map<string, string[]>>> = {};
  for (const s of SPLIT_ORDER) {
    const dir = dirs[s];
    if (dir === undefined) continue;
    if (!isDir(dir)) throw new UserError(`--data ${spec}: the ${s} folder ${dir} is not a directory; expected a folder with one sub-folder per class`);
    const classes = await classFolders(dir);
    if (classes.size === 0) throw new UserError(`--data ${spec}: the ${s} split (${dir}) holds no images; expected one sub-folder per class holding .jpg/.png/.webp files`);
    perSplit[s] = classes;
  }
  const diff = classDifference(Object.fromEntries(Object.entries(perSplit).map(([s, m]) => [s, [...m.keys()]])));
  if (diff) throw new UserError(`--data ${spec}: class folders differ between splits: ${diff}; every split needs the same class sub-folders (with images)`);
  const classNames = [...perSplit.train!.keys()];
  if (classNames.length === 1) throw new UserError(`--data ${spec}: only one class (${classNames[0]}) has images; a classifier needs at least two class sub-folders`);
  const files: string[] = [];
  const labels: number[] = [];
  const parts: SplitName[] = [];
  for (const s of SPLIT_ORDER) {
    const m = perSplit[s];
    if (!m) continue;
    classNames.forEach((cls, label) => {
      for (const f of m.get(cls)!) {
        files.push(f);
        labels.push(label);
        parts.push(s);
      }
    });
  }
  return { kind: 'splits', classNames, files, labels: Int32Array.from(labels), parts, partDirs: dirs };
}

/** Lists a folder with one sub-folder per class (split later by fractions). */
export async function classesLayout(root: string): Promise<FolderLayout> {
  const classes = await classFolders(root);
  const classNames = [...classes.keys()];
  if (classNames.length === 0) throw new UserError(`--data ${root}: no images found; expected sub-folders (one per class) holding .jpg/.png/.webp files, or train/ and test/ folders of them`);
  if (classNames.length === 1) throw new UserError(`--data ${root}: only one class (${classNames[0]}) has images; a classifier needs at least two class sub-folders`);
  const files = classNames.flatMap((c) => classes.get(c)!);
  const labels = Int32Array.from(classNames.flatMap((c, label) => classes.get(c)!.map(() => label)));
  return { kind: 'classes', classNames, files, labels };
}

/** Lists the images directly in `dir` (no classes). */
export async function unlabeledLayout(dir: string): Promise<FolderLayout> {
  if (!isDir(dir)) throw new UserError(`--data unlabeled:${dir}: not a directory; expected a folder of .jpg/.png/.webp images`);
  const files = await imageFiles(dir);
  if (files.length === 0) {
    const hint = (await subfolders(dir)).length > 0 ? ' (it has sub-folders: a labelled folder is opened without the unlabeled: prefix)' : '';
    throw new UserError(`--data unlabeled:${dir}: no .jpg/.png/.webp images directly in it${hint}`);
  }
  return { kind: 'unlabeled', classNames: [], files, labels: new Int32Array(files.length).fill(-1) };
}

/** The layout an image-folder spec names: `train=…,test=…`, a root with train/ and test/, or a folder of classes. */
export async function folderLayout(spec: string): Promise<FolderLayout> {
  if (isPartsSpec(spec)) return splitsLayout(spec, parsePartsSpec(spec));
  if (!isDir(spec)) throw new UserError(`--data ${spec}: not a directory; expected an image folder with one sub-folder per class, train/ and test/ folders of them, or ${PARTS_FORM}`);
  const own = await ownSplitDirs(spec);
  return own ? splitsLayout(spec, own) : classesLayout(spec);
}
