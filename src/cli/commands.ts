import type { Command } from './command.js';

/** One entry per subcommand; a command's module is imported only when it runs, so `--help` stays fast. */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  'train-teacher': { summary: 'train a reference teacher on labels (for users without one, and the demo)', load: async () => (await import('./commands/train-teacher.js')).command },
  inspect: { summary: 'list a teacher\'s inputs, outputs and tap-able tensors with shapes', load: async () => (await import('./commands/inspect.js')).command },
  cache: { summary: 'compute a teacher\'s outputs for the training data once (or one --shard i/N of them); cache merge joins shards', load: async () => (await import('./commands/cache.js')).command },
  distill: { summary: 'train a student sized to a byte budget from a teacher and data', load: async () => (await import('./commands/distill.js')).command },
  export: {
    summary: 'write a student (or any tfjs LayersModel) as tfjs/ONNX files, optionally quantized, with parity proofs',
    load: async () => (await import('./commands/export.js')).command,
  },
  bench: { summary: "benchmark the run's exported student and its teacher on deployment targets", load: async () => (await import('./commands/bench.js')).command },
  run: { summary: 'distill → export → bench → report in one resumable run directory', load: async () => (await import('./commands/run.js')).command },
  targets: { summary: 'list, validate or describe deployment targets (targets/*.json)', load: async () => (await import('./commands/targets.js')).command },
};
