// Runs the CLI from source (tsx), for end-to-end tests: `node --import tsx test/helpers/cli-main.ts export ...`.
// bin/edge-distill.js runs the compiled dist/ instead, which needs `npm run build` first; spawning the source is the
// simplest robust way to test the real argv → exit code path without a build step.
import { main } from '../../src/cli/index.js';

process.exitCode = await main(process.argv.slice(2));
