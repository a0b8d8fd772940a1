// The one entry the CLI tests spawn (see cli() in ./cli.ts): `node --import tsx test/helpers/cli-entry.ts ARGS`.
// bin/edge-distill.js runs the compiled dist/ instead, which needs `npm run build` first; spawning the source is the
// simplest robust way to test the real argv → exit code path without a build step.
import { main } from '../../src/cli/index.js';

process.exitCode = await main(process.argv.slice(2));
