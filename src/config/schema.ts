import { z } from 'zod';
import { BACKEND_CHOICES } from '../runtime/backend.js';

/** How image folders are resized to the input shape: `crop` keeps the aspect ratio and cuts the centre, `stretch` does not. */
export const RESIZE_MODES = ['crop', 'stretch'] as const;
/**
 * Where image folders keep their decoded pixels (uint8, decoded and resized once): `auto` in memory when they fit
 * the memory budget, else in a file under `cacheDir`; `memory`; `file` (kept, so later runs, export and bench skip
 * decoding); `off` decodes every batch of every epoch (the old way).
 */
export const DECODE_CACHE_MODES = ['auto', 'memory', 'file', 'off'] as const;
/** Where file-backed decode caches live unless `data.cacheDir` says otherwise (relative to the current directory). */
export const DEFAULT_DECODE_CACHE_DIR = '.cache/edge-distill/decode';
/** Decoded pixels up to this many bytes are held in memory by `decodeCache: auto` (2 GiB); more go to a file. */
export const DEFAULT_DECODE_MEMORY_BUDGET = 2 * 1024 ** 3;

/** Where the data comes from and how it is prepared. */
export const DataConfig = z
  .object({
    /**
     * `mnist`, `idx:DIR`, an image folder path (class sub-folders, or train/ and test/ [and val/] folders of class
     * sub-folders), `train=DIR,test=DIR[,val=DIR]`, or `unlabeled:DIR` (images without classes).
     */
    spec: z.string().min(1).default('mnist'),
    /** Seed of the train/val/test split. */
    seed: z.number().int().default(1234),
    /**
     * For image folders: [h, w, c] images are resized to, c = 1 (grey) or 3 (RGB); defaults to the teacher's input
     * shape. A run should record the shape it used here, so its config.json reopens the same data.
     */
    inputShape: z.array(z.number().int().positive()).length(3).optional(),
    /** For image folders: aspect-preserving resize and centre crop (`crop`), or the old stretch to the shape. */
    resize: z.enum(RESIZE_MODES).default('crop'),
    /** For image folders: where the decoded pixels are kept (see DECODE_CACHE_MODES). */
    decodeCache: z.enum(DECODE_CACHE_MODES).default('auto'),
    /** Directory of file-backed decode caches (default DEFAULT_DECODE_CACHE_DIR under the current directory). */
    cacheDir: z.string().min(1).optional(),
    mean: z.array(z.number()).optional(),
    std: z.array(z.number().positive()).optional(),
    /** Refuse unreadable, CMYK and 16-bit images (naming the file) instead of skipping or converting them. */
    strict: z.boolean().default(false),
    /** Use at most this many training samples (quick runs, tests). */
    trainLimit: z.number().int().positive().optional(),
    /** A folder of images without classes trained on next to `spec`'s labelled data (`--unlabeled DIR`). */
    unlabeled: z.string().min(1).optional(),
  })
  .strict();

/** What a student loaded from a file (`student.model`) starts from: weights drawn from the seed, or its own. */
export const STUDENT_WEIGHT_MODES = ['init', 'keep'] as const;
export type StudentWeightMode = (typeof STUDENT_WEIGHT_MODES)[number];

/** Weight precision used to count a student's exported bytes against a budget. */
export const WEIGHT_PRECISIONS = ['float32', 'float16', 'uint8'] as const;

export const StudentConfig = z
  .object({
    family: z.string().default('cnn'),
    /** A tfjs LayersModel model.json to train instead of a family member (sizing settings do not apply to it). */
    model: z.string().min(1).optional(),
    /** For `model`: re-initialise its weights from the seed (`init`) or start from the file's (`keep`). */
    modelWeights: z.enum(STUDENT_WEIGHT_MODES).default('init'),
    /**
     * The student's own input [h, w] or [h, w, c] (`--student-input HxW`): it sees each image resized from the size
     * the teacher takes (src/data/student-view.ts). Recorded as [h, w, c]. Default: the teacher's input size.
     */
    inputShape: z.array(z.number().int().positive()).min(2).max(3).optional(),
    /** Explicit family parameters; when absent the largest member of the family that fits `maxBytes` is chosen. */
    params: z.record(z.string(), z.unknown()).optional(),
    maxBytes: z.number().int().positive().optional(),
    weights: z.enum(WEIGHT_PRECISIONS).default('float32'),
    /** Deployment target file (targets/*.json): its byte budget and precision size the student (see src/sizing). */
    target: z.string().min(1).optional(),
    /** `latency`: measure candidates on `target` and keep those within its latency budget too (default bytes). */
    sizeBy: z.enum(['bytes', 'latency']).optional(),
    /** Train the K largest members that fit the budget and keep the most accurate on val (default 1: the largest). */
    candidates: z.number().int().positive().optional(),
  })
  .strict();

export const LossTermConfig = z.object({ kind: z.string(), weight: z.number().nonnegative() }).catchall(z.unknown());

export const LossConfig = z
  .object({
    terms: z.array(LossTermConfig).min(1),
  })
  .strict();

/**
 * The default recipe when `--tune` is off: the one the recipe search picked most often in benchmarks/fashion-mnist
 * (three budgets) and benchmarks/kd-gain (embedded MNIST); README "Defaults" says why. Hinton's usual T=4 at
 * lr 0.002 lost to training from labels alone in the same benchmark.
 */
export const DEFAULT_RECIPE = { softWeight: 0.9, temperature: 1, featureWeight: 0.1, learningRate: 0.0094 } as const;

/** The default combined loss: soft-label KL at T=1 weighted 0.9, hard-label CE weighted 0.1. */
export const DEFAULT_LOSS = {
  terms: [{ kind: 'soft-kl', weight: DEFAULT_RECIPE.softWeight, temperature: DEFAULT_RECIPE.temperature }, { kind: 'hard-ce', weight: Number((1 - DEFAULT_RECIPE.softWeight).toFixed(4)) }],
};

/**
 * Added to the default loss (not to one the user gives) when the teacher has a `penultimate` tap, as students always
 * do: FitNets-style feature matching between the layers before the classifiers, through a learned adapter.
 */
export const DEFAULT_FEATURE_TERM = { kind: 'feature-mse', weight: DEFAULT_RECIPE.featureWeight, student: 'penultimate', teacher: 'penultimate' };

/** Peak learning rate of distillation runs (train-teacher keeps {@link TEACHER_LEARNING_RATE}). */
export const DEFAULT_LEARNING_RATE = DEFAULT_RECIPE.learningRate;
/** Peak learning rate of train-teacher (not searched; the teachers in the benchmarks were trained with it). */
export const TEACHER_LEARNING_RATE = 2e-3;

/**
 * One op of `train.augment` as config.json records it: its name and every parameter, defaults filled in (the ops and
 * their parameters: src/data/augment/).
 */
/** `--workers auto`: as many training threads as os.availableParallelism() reports. */
export const WORKERS_AUTO = 'auto';
/**
 * Training threads when none are asked for: one, in the main thread, so a run's result does not depend on the machine
 * it ran on (with BatchNorm, N workers give a slightly different result from one). `--workers auto` uses every core.
 */
export const DEFAULT_WORKERS = 1;

export const AugmentOpConfig = z.object({ op: z.string().min(1) }).catchall(z.unknown());

export const TrainConfig = z
  .object({
    epochs: z.number().int().positive().default(5),
    batchSize: z.number().int().positive().default(64),
    learningRate: z.number().positive().default(DEFAULT_LEARNING_RATE),
    /** Linear warm-up length in epochs (fractional allowed), then cosine decay to `minLrFactor`·lr. */
    warmupEpochs: z.number().nonnegative().default(0.5),
    minLrFactor: z.number().min(0).max(1).default(0.05),
    seed: z.number().int().default(42),
    backend: z.enum(BACKEND_CHOICES).default('auto'),
    /** Clip the global L2 norm of the gradients to this before each update (torch's clip_grad_norm_); absent: no clipping. */
    clipGrad: z.number().positive().optional(),
    /**
     * Augmentation of each training batch, in order (`--augment crop,flip,mixup`); teacher and student see the same
     * augmented images, so the teacher runs live. Empty: none.
     */
    augment: z.array(AugmentOpConfig).default([]),
    /**
     * Data-parallel training threads (`--workers N|auto`): each computes the gradients of its slice of every batch
     * and one Adam step is taken on their sum (src/train/parallel/). `auto` is os.availableParallelism(), resolved
     * to a number before config.json is written (the result depends on N: BatchNorm statistics are per worker).
     * 1 trains in the main thread.
     */
    workers: z.union([z.number().int().positive(), z.literal(WORKERS_AUTO)]).default(DEFAULT_WORKERS),
  })
  .strict();

/** Tensor layouts a teacher can take; `auto`: tfjs models are NHWC, an ONNX model's is read off its input shape. */
export const TEACHER_LAYOUTS = ['auto', 'nhwc', 'nchw'] as const;
/** What the teacher's output holds; `auto`: detected (a last Softmax op, or rows summing to 1 on a probe batch). */
export const TEACHER_OUTPUT_KINDS = ['auto', 'logits', 'probs'] as const;

/**
 * Preprocessing between the dataset's values x and the teacher's input: (x · scale − mean[c]) / std[c] per
 * channel (mean/std of length 1 apply to every channel). The student always sees x itself.
 */
export const TeacherPreprocess = z
  .object({
    scale: z.number().positive().default(1),
    mean: z.array(z.number()).min(1).optional(),
    std: z.array(z.number().positive()).min(1).optional(),
  })
  .strict();

/** The teacher: a tfjs LayersModel or GraphModel model.json, or an ONNX file, and how to feed and read it. */
export const TeacherConfig = z
  .object({
    path: z.string().min(1),
    layout: z.enum(TEACHER_LAYOUTS).default('auto'),
    /** Output node (GraphModel), tensor (ONNX) or layer (LayersModel) holding the class scores; default: the model's single output. */
    output: z.string().min(1).optional(),
    outputs: z.enum(TEACHER_OUTPUT_KINDS).default('auto'),
    /** [h, w, c] the teacher takes, for files that leave spatial dims open (dynamic axes); checked against fixed ones. */
    inputShape: z.array(z.number().int().positive()).length(3).optional(),
    preprocess: TeacherPreprocess.default({ scale: 1 }),
  })
  .strict();

/** Feature dtypes a teacher cache can store (logits are always float32). */
export const CACHE_DTYPES = ['float32', 'float16'] as const;

/**
 * The teacher-output cache: teacher logits and taps for every training sample, computed once before training.
 * `use`: auto (when training would run the teacher over more samples than building the cache does), on, off.
 * `dir`: where it lives (default RUN/teacher-cache, removed when the run finishes; a given dir is kept and shared).
 */
export const CacheConfig = z
  .object({
    use: z.enum(['auto', 'on', 'off']).default('auto'),
    dir: z.string().min(1).optional(),
    dtype: z.enum(CACHE_DTYPES).default('float32'),
    /**
     * With `train.augment`: cache the teacher's outputs on this many augmented views of every image, built once
     * (FKD, Shen & Xing, ECCV 2022), and train epoch e on view e mod K (`--teacher-views K`). 0: no views, the teacher
     * runs live on every augmented batch. Ops that mix images (mixup, cutmix) cannot be cached per image.
     */
    views: z.number().int().nonnegative().default(0),
  })
  .strict();

/** Trials per search when `--tune` is given without `--tune-budget`. */
export const DEFAULT_TUNE_TRIALS = 12;
/** Final seeds of the distilled-vs-scratch comparison. */
export const DEFAULT_TUNE_SEEDS = 2;

/** Recipe search on the validation split before the full run (see src/tune). */
export const TuneConfig = z
  .object({
    /** Budget of each search (distillation recipes, and the from-scratch baseline alike): trials or minutes. */
    trials: z.number().int().positive().optional(),
    minutes: z.number().positive().optional(),
    /** Successive-halving reduction factor: each rung keeps the best 1/eta and trains them eta× longer. */
    eta: z.number().int().min(2).default(3),
    /** Seeds of the final distilled and scratch runs whose test accuracies are compared. */
    seeds: z.number().int().min(1).default(DEFAULT_TUNE_SEEDS),
  })
  .strict()
  .refine((t) => (t.trials === undefined) !== (t.minutes === undefined), { message: 'give exactly one of trials or minutes' });

/** The distill stage's fully resolved configuration (written to DIR/config.json). */
export const DistillConfig = z
  .object({
    data: DataConfig.prefault({}),
    /** The teacher; null trains from labels only (train-teacher, the from-scratch baseline). */
    teacher: TeacherConfig.nullable(),
    student: StudentConfig.prefault({}),
    // A fresh copy per config: a run adding the default feature term must not change the next run's default.
    loss: LossConfig.default(() => structuredClone(DEFAULT_LOSS)),
    train: TrainConfig.prefault({}),
    cache: CacheConfig.prefault({}),
    tune: TuneConfig.optional(),
  })
  .strict();

/**
 * Every default of a distill run, read off the schemas themselves (so the CLI's help, the pipeline and the stages
 * that read a run directory quote the same values the schema fills in).
 */
export const DATA_DEFAULTS = DataConfig.parse({});
export const STUDENT_DEFAULTS = StudentConfig.parse({});
export const TRAIN_DEFAULTS = TrainConfig.parse({});
export const CACHE_DEFAULTS = CacheConfig.parse({});
/** train-teacher's defaults (also the pipeline's `trainTeacher` block). */
export const TEACHER_TRAINING_DEFAULTS = { arch: 'vgg', epochs: 3, learningRate: TEACHER_LEARNING_RATE } as const;

export type DataConfig = z.infer<typeof DataConfig>;
/** A data config as a reader of a run directory needs it: the spec and its split seed, the rest optional. */
export type DataSpec = Pick<DataConfig, 'spec' | 'seed'> & Partial<Omit<DataConfig, 'spec' | 'seed'>>;
export type StudentConfig = z.infer<typeof StudentConfig>;
export type LossConfig = z.infer<typeof LossConfig>;
export type TrainConfig = z.infer<typeof TrainConfig>;
export type AugmentOpConfig = z.infer<typeof AugmentOpConfig>;
export type DistillConfig = z.infer<typeof DistillConfig>;
export type TeacherConfig = z.infer<typeof TeacherConfig>;
export type TeacherConfigInput = z.input<typeof TeacherConfig>;
export type CacheConfig = z.infer<typeof CacheConfig>;
export type TuneConfig = z.infer<typeof TuneConfig>;
