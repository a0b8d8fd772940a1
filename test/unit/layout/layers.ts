/**
 * The layers of src/, lowest first: a module may import from its own folder and from folders listed before it,
 * never from one after it. ./imports.test.ts reads every import in src/ and holds the code to this
 * order; docs/ARCHITECTURE.md says what each layer holds.
 */
export const LAYERS = [
  'core',
  'runtime',
  'config',
  'onnx',
  'data',
  'run-dir',
  'students',
  'losses',
  'teachers',
  'train',
  'export',
  'bench',
  'report',
  'sizing',
  'tune',
  'distill',
  'pipeline',
  'cli',
] as const;
