/** The options of exportModel, their defaults, and their validation into the settings an export runs with. */
import type * as tfType from '@tensorflow/tfjs';
import { UserError } from '../core/errors.js';
import type { Logger } from '../core/progress.js';
import type { BackendChoice } from '../runtime/backend.js';
import type { ExportData } from './data.js';
import type { ParityPolicy } from './parity/report.js';
import { planExports, type ExportPlan } from './plan.js';
import { EXPORT_DEFAULTS } from './defaults.js';

export { EXPORT_DEFAULTS } from './defaults.js';

/** Options of exportModel; every field but `model` and `out` has a default (see {@link EXPORT_DEFAULTS}). */
export interface ExportModelOptions {
  /** A LayersModel, or the path of its model.json. */
  model: tfType.LayersModel | string;
  /** The export folder (one sub-folder per format × precision, plus manifest.json). */
  out: string;
  /** Default ['tfjs', 'onnx']. */
  formats?: string[];
  /** Precisions: fp32 (alias none), float16, uint16, uint8 (tfjs), int8 (onnx). Default ['fp32']. */
  precisions?: string[];
  /** Data for parity/accuracy and int8 calibration; without it parity runs on seeded random inputs. */
  data?: ExportData;
  /** Replace `out` if it exists and holds files. */
  force?: boolean;
  /** ONNX: fixed batch size instead of a dynamic batch dimension. */
  onnxBatch?: number;
  /** ONNX: input layout, default nhwc (same preprocessing as tfjs). */
  onnxLayout?: 'nhwc' | 'nchw';
  /** int8 calibration images from the training split (default 128). */
  calibration?: number;
  /** fp32 parity tolerance on max abs diff (default 1e-4). */
  tolerance?: number;
  /** Quantized artifacts: minimum top-1 agreement with the source model (default 0.8). */
  minAgreement?: number;
  /** Held-out images in the parity batch (default 512; the whole split if smaller). */
  paritySamples?: number;
  /** tfjs backend to compute on; default: the active one (the CLI passes auto). */
  backend?: BackendChoice;
  log?: Logger;
  /** Recorded in the manifest (exportRun sets it). */
  run?: string;
}

/** Validated options with defaults filled in. */
export interface ExportSettings {
  plan: ExportPlan;
  policy: ParityPolicy;
  layout: 'nhwc' | 'nchw';
  onnxBatch: number | undefined;
  calibration: number;
  paritySamples: number;
  wantsInt8: boolean;
}

function checkNumber(name: string, v: number | undefined, kind: 'count' | 'nonnegative' | 'fraction'): void {
  if (v === undefined) return;
  const ok = Number.isFinite(v) && (kind === 'count' ? Number.isInteger(v) && v >= 1 : kind === 'fraction' ? v >= 0 && v <= 1 : v >= 0);
  if (!ok) throw new UserError(`${name} ${v}: expected ${kind === 'count' ? 'an integer ≥ 1' : kind === 'fraction' ? 'a fraction in [0, 1]' : 'a number ≥ 0'}`);
}

/** Checks `opts` (flag names in messages, as the CLI spells them) and fills in defaults. Loads nothing. */
export function resolveSettings(opts: ExportModelOptions): ExportSettings {
  checkNumber('--tolerance', opts.tolerance, 'nonnegative');
  checkNumber('--min-agreement', opts.minAgreement, 'fraction');
  checkNumber('--onnx-batch', opts.onnxBatch, 'count');
  checkNumber('--calibration', opts.calibration, 'count');
  checkNumber('--parity-samples', opts.paritySamples, 'count');
  const layout = opts.onnxLayout ?? EXPORT_DEFAULTS.onnxLayout;
  if (layout !== 'nhwc' && layout !== 'nchw') throw new UserError(`--onnx-layout ${String(layout)}: must be one of [nhwc, nchw]`);
  const plan = planExports(opts.formats ?? EXPORT_DEFAULTS.formats, opts.precisions ?? EXPORT_DEFAULTS.precisions);
  const wantsInt8 = plan.items.some((i) => i.precision === 'int8');
  if (wantsInt8 && !opts.data) throw new UserError('int8 export needs calibration data: pass --data SPEC (or export a run, whose config.json names its data)');
  return {
    plan,
    policy: { tolerance: opts.tolerance ?? EXPORT_DEFAULTS.tolerance, minAgreement: opts.minAgreement ?? EXPORT_DEFAULTS.minAgreement },
    layout,
    onnxBatch: opts.onnxBatch,
    calibration: opts.calibration ?? EXPORT_DEFAULTS.calibration,
    paritySamples: opts.paritySamples ?? EXPORT_DEFAULTS.paritySamples,
    wantsInt8,
  };
}
