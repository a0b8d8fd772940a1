import type { Command } from './command.js';

/** One entry per subcommand; a command's module is imported only when it runs, so `--help` stays fast. */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  export: {
    summary: 'write a student (or any tfjs LayersModel) as tfjs/ONNX files, optionally quantized, with parity proofs',
    load: async () => (await import('./commands/export.js')).command,
  },
};
