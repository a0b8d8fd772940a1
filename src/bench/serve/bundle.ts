/**
 * The served bundle: everything a device's browser loads, mounted on one server scope (under its random token) and
 * nothing else. The runtimes' files come from node_modules (only their dist folders), the models from the run's
 * export folder, the test images as the Chromium targets get them, the pages generated from the same source.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Target } from '../../config/target.js';
import { fixedBatchOption } from '../onnx-shape.js';
import { imagesFor, sampleShape } from '../layout.js';
import { pageHtml, pageModuleSource, type PageOpenConfig } from '../browser/page.js';
import type { BrowserRunnerSpec } from '../browser/session.js';
import type { ServerScope } from '../browser/server.js';
import { ortBrowserSpec } from '../runners/chromium-ort.js';
import { tfjsBrowserSpec } from '../runners/chromium-tfjs.js';
import type { ModelRef, TestData } from '../types.js';
import { deviceHtml, deviceModuleSource, type DeviceBundle, type PageJob } from './device-page.js';
import type { DeviceJob } from './jobs.js';

/** The URL paths of the bundle, relative to its scope. */
export const BUNDLE_PATHS = { page: '/', module: '/device.js', bundle: '/bench.json', results: '/results' } as const;

const SPECS: Record<Target['runtime'], BrowserRunnerSpec> = { tfjs: tfjsBrowserSpec, onnxruntime: ortBrowserSpec };

/** Why this machine cannot serve `job`'s runtime files (a package not installed), or undefined. */
export function jobMissing(job: DeviceJob): string | undefined {
  return SPECS[job.runtime].missing?.({ backend: job.backend });
}

/**
 * Mounts the bundle of `jobs` on `scope` and returns the job list the page reads (also served as bench.json).
 * `artifacts` are the export's student artifacts (jobs refer to them by index); `data` the test images the student takes.
 */
export function mountBundle(scope: ServerScope, jobs: DeviceJob[], artifacts: ModelRef[], data: TestData, runId: string): DeviceBundle {
  const url = (p: string) => scope.base + p.replace(/^\//, '');
  const pages = new Set<string>();
  const models = new Set<number>();
  const layouts = new Set<string>();
  const pageJobs: PageJob[] = jobs.map((job) => {
    const spec = SPECS[job.runtime];
    const ref = artifacts[job.artifact]!;
    const assets = spec.assets({ backend: job.backend } as Target);
    for (const [prefix, dir] of Object.entries(assets.mounts)) scope.mountDir(prefix, dir);
    if (!pages.has(spec.name)) {
      pages.add(spec.name);
      scope.mountContent(`/bench/${spec.name}.js`, pageModuleSource(spec.program), 'text/javascript; charset=utf-8');
      scope.mountContent(`/bench/${spec.name}.html`, pageHtml(url(`/bench/${spec.name}.js`)), 'text/html; charset=utf-8');
    }
    if (!models.has(job.artifact)) {
      models.add(job.artifact);
      scope.mountDir(`/models/${job.artifact}/`, ref.dir);
    }
    const layout = ref.artifact.layout ?? 'nhwc';
    if (!layouts.has(layout)) {
      layouts.add(layout);
      const x = imagesFor(layout, data.x, data.n, data.shape);
      scope.mountContent(`/data/${layout}.f32`, new Uint8Array(x.buffer, x.byteOffset, x.byteLength), 'application/octet-stream');
    }
    const open: PageOpenConfig = {
      backend: job.backend,
      threads: job.threads,
      wasmPaths: assets.wasmPaths ? url(assets.wasmPaths) : '',
      scripts: assets.scripts.map(url),
      modelUrl: url(`/models/${job.artifact}/` + ref.artifact.entry.split('/').map(encodeURIComponent).join('/')),
      sampleShape: sampleShape(layout, data.shape),
      ...(ref.artifact.inputName ? { inputName: ref.artifact.inputName } : {}),
      ...(ref.artifact.outputName ? { outputName: ref.artifact.outputName } : {}),
      ...(ref.artifact.format === 'onnx' ? fixedBatchOption(new Uint8Array(readFileSync(join(ref.dir, ref.artifact.entry))), ref.artifact.inputName) : {}),
      dataUrl: url(`/data/${layout}.f32`),
      n: data.n,
      chunk: 64,
    };
    return {
      id: job.id, target: job.target, label: `${ref.artifact.format}/${ref.artifact.precision} on ${job.runtime} ${job.backend}`, backend: job.backend,
      page: url(`/bench/${spec.name}.html`), open, plan: job.plan, throughputPlan: job.throughputPlan, batchSizes: job.batchSizes,
    };
  });
  const bundle: DeviceBundle = { runId, resultsUrl: url(BUNDLE_PATHS.results), jobs: pageJobs };
  scope.mountContent(BUNDLE_PATHS.bundle, JSON.stringify(bundle), 'application/json; charset=utf-8');
  scope.mountContent(BUNDLE_PATHS.module, deviceModuleSource(url(BUNDLE_PATHS.bundle)), 'text/javascript; charset=utf-8');
  scope.mountContent(BUNDLE_PATHS.page, deviceHtml(url(BUNDLE_PATHS.module)), 'text/html; charset=utf-8');
  return bundle;
}
