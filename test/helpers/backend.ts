import { initBackend } from '../../src/runtime/backend.js';
import { silentLogger } from '../../src/core/progress.js';

/** Activates a backend quietly for a test file (wasm by default: fast and always installed). */
export async function useBackend(name: 'wasm' | 'cpu' = 'wasm'): Promise<void> {
  await initBackend(name, silentLogger);
}
