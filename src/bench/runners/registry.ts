/**
 * The runners, one per runtime and host. Adding a runtime is a file in this folder, a line here and a test.
 * Each runner imports its heavy dependency (tfjs, onnxruntime, playwright) only when it runs.
 */
import { createRegistry } from '../../core/registry.js';
import type { Target } from '../../config/target.js';
import type { Runner } from '../types.js';
import { nodeTfjsRunner } from './node-tfjs.js';
import { nodeOrtRunner } from './node-ort.js';
import { nodeOrtWebRunner } from './node-ort-web.js';
import { chromiumTfjsRunner } from './chromium-tfjs.js';
import { chromiumOrtRunner } from './chromium-ort.js';

/** Every runner, by name. */
export const runners = createRegistry<Runner>('runner');
runners.register(nodeTfjsRunner);
runners.register(nodeOrtRunner);
runners.register(nodeOrtWebRunner);
runners.register(chromiumTfjsRunner);
runners.register(chromiumOrtRunner);

/** The runner for a target's runtime, host and backend (../targets.ts only admits combinations that have one). */
export function runnerFor(target: Pick<Target, 'runtime' | 'host' | 'backend'>): Runner | undefined {
  return runners.all().find((r) => r.runtime === target.runtime && r.host === target.host && r.backends.includes(target.backend));
}
