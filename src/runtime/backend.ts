import type * as tfType from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { UserError } from '../core/errors.js';
import type { Logger } from '../core/progress.js';

/** Backends a computing command can run on. */
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface BackendInfo {
  /** The tfjs backend name now active: tensorflow, wasm or cpu. */
  name: 'tensorflow' | 'wasm' | 'cpu';
  /** True when the tensorflow backend uses a CUDA device. */
  gpu: boolean;
  /** Why each backend that was not chosen was passed over. */
  passedOver: { backend: string; reason: string }[];
}

const require = createRequire(import.meta.url);
let tfPromise: Promise<typeof tfType> | undefined;

/** Loads @tensorflow/tfjs once (lazily, so `--help` never loads it). */
export function loadTf(): Promise<typeof tfType> {
  tfPromise ??= import('@tensorflow/tfjs').then((tf) => {
    // PROD silences tfjs's "install tfjs-node" banner (we choose the backend ourselves and say why).
    tf.env().set('PROD', true);
    return tf;
  });
  return tfPromise;
}

/** Tries to load a tfjs-node flavour; returns the reason on failure. */
function tryNodePackage(pkg: string): { ok: true } | { ok: false; reason: string } {
  try {
    require.resolve(pkg);
  } catch {
    return { ok: false, reason: `${pkg} is not installed` };
  }
  try {
    require(pkg);
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `${pkg} is installed but failed to load (${(e as Error).message.split('\n')[0]})` };
  }
}

/**
 * Why a tfjs-node flavour that loaded gave no usable 'tensorflow' backend. The usual cause: it resolved its own
 * @tensorflow/tfjs-core (a version other than ours), so it registered the backend in an engine we never use.
 */
function nodeBackendFailure(tf: typeof tfType, pkg: string): string {
  if (!tf.findBackendFactory('tensorflow')) {
    return `${pkg} loaded but registered its backend with another copy of @tensorflow/tfjs-core; install ${pkg}@${tf.version_core} to match @tensorflow/tfjs`;
  }
  return `${pkg} loaded but its backend failed to initialise`;
}

async function activate(tf: typeof tfType, name: string): Promise<boolean> {
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/**
 * Chooses and activates the tfjs backend for computing. `auto` prefers tfjs-node-gpu with a GPU, then tfjs-node,
 * then wasm (with this project's training kernels), then cpu. A requested backend that is not available is a
 * {@link UserError} that names what to install.
 */
export async function initBackend(choice: BackendChoice, log?: Logger): Promise<BackendInfo> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new UserError(`--backend ${String(choice)}: unknown backend. Must be one of [${BACKEND_CHOICES.join(', ')}]`);
  }
  const tf = await loadTf();
  const passedOver: BackendInfo['passedOver'] = [];
  const pick = (info: BackendInfo): BackendInfo => {
    const why = info.passedOver.map((p) => `${p.backend}: ${p.reason}`).join('; ');
    log?.info(`backend: ${info.name}${info.gpu ? ' (GPU)' : ''}${why ? ` (passed over: ${why})` : ''}`);
    return info;
  };

  if (choice === 'auto' || choice === 'tensorflow') {
    // Both packages register the same 'tensorflow' backend, so at most one of them may be loaded.
    const gpu = tryNodePackage('@tensorflow/tfjs-node-gpu');
    if (gpu.ok && (await activate(tf, 'tensorflow'))) {
      // Without a CUDA device tfjs-node-gpu still runs libtensorflow on the CPU, which beats wasm.
      const usingGpu = Boolean((tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice);
      if (!usingGpu) passedOver.push({ backend: 'tensorflow GPU', reason: 'tfjs-node-gpu found no CUDA device; using it on the CPU' });
      return pick({ name: 'tensorflow', gpu: usingGpu, passedOver });
    }
    passedOver.push({ backend: 'tensorflow (tfjs-node-gpu)', reason: gpu.ok ? nodeBackendFailure(tf, '@tensorflow/tfjs-node-gpu') : gpu.reason });
    const cpuPkg = gpu.ok ? { ok: false as const, reason: 'skipped: tfjs-node-gpu is loaded' } : tryNodePackage('@tensorflow/tfjs-node');
    if (cpuPkg.ok && (await activate(tf, 'tensorflow'))) return pick({ name: 'tensorflow', gpu: false, passedOver });
    passedOver.push({ backend: 'tensorflow (tfjs-node)', reason: cpuPkg.ok ? nodeBackendFailure(tf, '@tensorflow/tfjs-node') : cpuPkg.reason });
    if (choice === 'tensorflow') {
      throw new UserError(
        `--backend tensorflow: not available (${passedOver.map((p) => p.reason).join('; ')}); install @tensorflow/tfjs-node@4.22.0 (or -gpu with CUDA 11.2 + cuDNN 8.1), or use --backend auto|wasm|cpu`,
      );
    }
  }

  if (choice === 'auto' || choice === 'wasm') {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      const { registerWasmTrainingKernels, simdUnavailableReason } = await import('./wasm-training/index.js');
      await registerWasmTrainingKernels(tf);
      const noSimd = simdUnavailableReason();
      if (noSimd) log?.warn(`wasm: this project's SIMD training kernels failed to compile (${noSimd}); training runs on the slower fallback kernels. Reinstall with npm ci`);
      if (await activate(tf, 'wasm')) return pick({ name: 'wasm', gpu: false, passedOver });
      passedOver.push({ backend: 'wasm', reason: 'the wasm module failed to initialise' });
    } catch (e) {
      passedOver.push({ backend: 'wasm', reason: `@tensorflow/tfjs-backend-wasm failed to load (${(e as Error).message})` });
    }
    if (choice === 'wasm') {
      throw new UserError(`--backend wasm: not available (${passedOver.at(-1)?.reason}); run npm ci to install @tensorflow/tfjs-backend-wasm, or use --backend cpu`);
    }
  }

  if (!(await activate(tf, 'cpu'))) throw new Error('the tfjs cpu backend failed to initialise');
  return pick({ name: 'cpu', gpu: false, passedOver });
}
