/** `edge-distill export`: a thin layer over exportRun / exportModel (src/export/index.ts). */
import { UserError } from '../../core/errors.js';
import { stderrLogger } from '../../core/progress.js';
import { BACKEND_CHOICES, type BackendChoice } from '../../runtime/backend.js';
import { numberFlag, type Command } from '../command.js';

import { listFlag } from '../flags.js';
import { EXPORT_DEFAULTS } from '../../export/defaults.js';
import { DATA_DEFAULTS, TRAIN_DEFAULTS } from '../../config/schema.js';
import { RUN_FILES } from '../../run-dir/layout.js';

const list = (v: unknown): string[] => listFlag(v) ?? [];

/** The `export` subcommand: flags, help text and the call into src/export. */
export const command: Command = {
  name: 'export',
  summary: 'Write a distilled student (or any tfjs LayersModel) as tfjs and ONNX files, quantized if asked, with a parity proof per file.',
  usage: '(--run DIR | --model PATH/model.json [--data SPEC])',
  options: {
    run: { type: 'string', valueName: 'DIR', description: 'distill run directory (exports DIR/student with the data of DIR/config.json)' },
    model: { type: 'string', valueName: 'PATH', description: 'a tfjs LayersModel model.json to export instead of a run' },
    data: { type: 'string', valueName: 'SPEC', description: 'data for parity/accuracy and int8 calibration: mnist, idx:DIR or an image folder (overrides the run config)' },
    'data-seed': { type: 'string', valueName: 'N', description: `split seed of --data, so the parity images are held-out ones (default: the run config\'s, else ${DATA_DEFAULTS.seed})` },
    format: { type: 'string', valueName: 'LIST', description: 'formats, comma-separated: tfjs, onnx', default: EXPORT_DEFAULTS.formats.join(',') },
    quantize: { type: 'string', valueName: 'LIST', description: 'precisions, comma-separated: none, float16, uint16, uint8 (tfjs), int8 (onnx)', default: EXPORT_DEFAULTS.precisions.join(',') },
    out: { type: 'string', valueName: 'DIR', description: 'export folder (default RUN/export, or export/ next to --model)' },
    force: { type: 'boolean', description: 'replace --out if it exists and holds files' },
    'onnx-batch': { type: 'string', valueName: 'N', description: 'fix the ONNX batch dimension to N (default dynamic)' },
    'onnx-layout': { type: 'string', valueName: 'nhwc|nchw', description: 'ONNX input layout', default: EXPORT_DEFAULTS.onnxLayout },
    calibration: { type: 'string', valueName: 'N', description: 'int8 calibration images from the training split', default: String(EXPORT_DEFAULTS.calibration) },
    tolerance: { type: 'string', valueName: 'X', description: 'fp32 parity: max abs diff allowed in every runtime', default: String(EXPORT_DEFAULTS.tolerance) },
    'min-agreement': { type: 'string', valueName: 'X', description: 'quantized parity: minimum top-1 agreement with the source model', default: String(EXPORT_DEFAULTS.minAgreement) },
    'parity-samples': { type: 'string', valueName: 'N', description: 'held-out images the parity check runs on', default: String(EXPORT_DEFAULTS.paritySamples) },
    backend: { type: 'string', valueName: 'NAME', description: `tfjs backend: ${BACKEND_CHOICES.join(', ')}`, default: TRAIN_DEFAULTS.backend },
  },
  async run(values) {
    const run = values.run as string | undefined;
    const modelPath = values.model as string | undefined;
    if (Boolean(run) === Boolean(modelPath)) throw new UserError('export: give exactly one of --run DIR or --model PATH/model.json (see edge-distill export --help)');
    const layout = String(values['onnx-layout'] ?? EXPORT_DEFAULTS.onnxLayout);
    if (layout !== 'nhwc' && layout !== 'nchw') throw new UserError(`--onnx-layout ${layout}: must be one of [nhwc, nchw]`);
    const common = {
      formats: list(values.format ?? EXPORT_DEFAULTS.formats.join(',')),
      precisions: list(values.quantize ?? EXPORT_DEFAULTS.precisions.join(',')),
      force: Boolean(values.force),
      onnxLayout: layout as 'nhwc' | 'nchw',
      backend: String(values.backend ?? TRAIN_DEFAULTS.backend) as BackendChoice,
      log: stderrLogger,
      calibration: numberFlag(values, 'calibration', { min: 1, integer: true }) ?? EXPORT_DEFAULTS.calibration,
      tolerance: numberFlag(values, 'tolerance', { min: 0 }) ?? EXPORT_DEFAULTS.tolerance,
      minAgreement: numberFlag(values, 'min-agreement', { min: 0 }) ?? EXPORT_DEFAULTS.minAgreement,
      paritySamples: numberFlag(values, 'parity-samples', { min: 1, integer: true }) ?? EXPORT_DEFAULTS.paritySamples,
      ...(values['onnx-batch'] !== undefined ? { onnxBatch: numberFlag(values, 'onnx-batch', { min: 1, integer: true })! } : {}),
    };
    const seed = numberFlag(values, 'data-seed', { integer: true });
    if (seed !== undefined && values.data === undefined) throw new UserError('--data-seed needs --data SPEC');
    const data = values.data === undefined ? undefined : { spec: String(values.data), ...(seed === undefined ? {} : { seed }) };
    // Imported here so that `--help` never loads tfjs or onnxruntime.
    const { exportRun, exportModel } = await import('../../export/index.js');
    const { dirname, join } = await import('node:path');
    const out = values.out as string | undefined;
    const manifest = run
      ? await exportRun({ ...common, run, ...(out ? { out } : {}), ...(data ? { data } : {}) })
      : await exportModel({ ...common, model: modelPath!, out: out ?? join(dirname(modelPath!), RUN_FILES.export), ...(data ? { data } : {}) });
    const where = out ?? join(run ?? dirname(modelPath!), RUN_FILES.export);
    stderrLogger.info(`wrote ${manifest.artifacts.length} artifact${manifest.artifacts.length === 1 ? '' : 's'}: ${manifest.artifacts.map((a) => a.dir).join(', ')}`);
    // stdout: the manifest path only, for scripts.
    console.log(join(where, RUN_FILES.manifest));
    return 0;
  },
};
