import type { Command } from './command.js';

/** One entry per subcommand; a command's module is imported only when it runs, so `--help` stays fast. */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  bench: { summary: "Benchmark the run's exported student and its teacher on deployment targets", load: async () => (await import('./commands/bench.js')).command },
  targets: { summary: 'List, validate or describe deployment targets (targets/*.json)', load: async () => (await import('./commands/targets.js')).command },
};
