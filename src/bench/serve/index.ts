/**
 * `bench --serve`: serves the bundle (src/bench/serve/bundle.ts) under a random token and merges what each device
 * posts into RUN/bench/results.json as device rows, one write per post, so every row received survives however the
 * server stops: after `devices` devices finished, after `timeoutSec`, on `signal` (Ctrl-C), or with an error when the
 * run directory disappears.
 */
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { UserError } from '../../core/errors.js';
import { writeJsonAtomic } from '../../core/files.js';
import { silentLogger } from '../../core/progress.js';
import { runPaths } from '../../run-dir/layout.js';
import { assembleResults, toolVersion } from '../assemble.js';
import { startLocalServer, type LocalServer, type PostReply } from '../browser/server.js';
import { loadBenchInputs, type BenchOptions } from '../inputs.js';
import { RESULTS_SCHEMA_VERSION, type BenchResults, type ServedDevice } from '../results.js';
import { planTargets } from '../rows.js';
import { jobMissing, mountBundle, BUNDLE_PATHS } from './bundle.js';
import { deviceRow, PostMismatch } from './device-rows.js';
import { deviceJobs } from './jobs.js';
import { MAX_POST_BYTES, parsePost } from './posts.js';

/** Test images a served device gets when --test-limit is not given (a phone downloads them). */
export const SERVE_TEST_LIMIT = 256;

export interface ServeOptions extends BenchOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default: a free one). */
  port?: number;
  /** Stop once this many devices have run every job. */
  devices?: number;
  /** Stop after this many seconds. */
  timeoutSec?: number;
  /** Stops the server (Ctrl-C), keeping what was received. */
  signal?: AbortSignal;
  /** Called once the server listens, with the URLs to open (the first one is the one to show). */
  onListening?(urls: string[]): void;
  /** Called after each merge with the results as written (the CLI writes the reports). */
  onMerged?(results: BenchResults): Promise<void>;
}

export type StopReason = 'devices' | 'timeout' | 'interrupted';

/** What a serve session ended with. */
export interface ServeOutcome {
  results: BenchResults;
  /** Devices that posted at least one row in this session, and of those the ones that finished every job. */
  devices: number;
  finished: number;
  rows: number;
  reason: StopReason;
  resultsPath: string;
}

/** The URLs a device can open: the listen address's own, or every external IPv4 address when listening on all. */
export function serveUrls(host: string, port: number, path: string): string[] {
  const hosts = host === '0.0.0.0' || host === '::'
    ? Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address)
    : [host.includes(':') ? `[${host}]` : host];
  return (hosts.length ? hosts : ['127.0.0.1']).map((h) => `http://${h}:${port}${path}`);
}

/** Starts the server, turning the errors a user can fix into one line naming the flag. */
async function listen(host: string, port: number | undefined): Promise<LocalServer> {
  try {
    return await startLocalServer({ host, ...(port !== undefined ? { port } : {}) });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UserError(`--port ${port}: ${host}:${port} is already in use; choose another port, or leave out --port to get a free one`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EINVAL') throw new UserError(`--host ${host}: not an address of this machine (${code}); use 127.0.0.1, 0.0.0.0 or one of its own addresses`);
    if (code === 'EACCES') throw new UserError(`--port ${port}: not allowed to listen on it (ports below 1024 need root); choose a port ≥ 1024`);
    throw e;
  }
}

/** The results to merge into: the run's results.json when there is one, else an empty bench of this run. */
async function baseResults(path: string, fresh: () => Promise<BenchResults>): Promise<BenchResults> {
  if (!existsSync(path)) return fresh();
  let value: BenchResults;
  try {
    value = JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
  } catch {
    throw new UserError(`${path}: not valid JSON; remove it (or run edge-distill bench again) before bench --serve`);
  }
  if (value?.schemaVersion !== RESULTS_SCHEMA_VERSION || !Array.isArray(value.rows)) {
    throw new UserError(`${path}: not a results.json of schema version ${RESULTS_SCHEMA_VERSION}; run edge-distill bench again before bench --serve`);
  }
  return value;
}

/** Serves the device bench until a stop condition, merging every valid post. See the file comment. */
export async function serveBench(opts: ServeOptions): Promise<ServeOutcome> {
  const log = opts.log ?? silentLogger;
  const inputs = await loadBenchInputs({ ...opts, testLimit: opts.testLimit ?? SERVE_TEST_LIMIT }, log);
  const { runDir, students, data } = inputs;
  const jobs = deviceJobs(planTargets(inputs.targets, students), students, inputs.quick).filter((j) => {
    const missing = jobMissing(j);
    if (missing) log.warn(`${j.target}: not served: ${missing}`);
    return !missing;
  });
  if (!jobs.length) {
    throw new UserError(`--run ${runDir}: no browser target (host chromium, without CPU or network throttling) takes an exported artifact; check --targets/--only and the export's formats`);
  }
  const paths = runPaths(runDir);
  let results = await baseResults(paths.results, async () =>
    assembleResults(inputs, { summaries: [], rows: [], predictions: new Map() }, 'not benchmarked (bench --serve runs the student on devices)', await toolVersion()),
  );
  const host = opts.host ?? '127.0.0.1';
  const server = await listen(host, opts.port);
  const runId = randomBytes(12).toString('hex');
  // gzip as a deployment sends it (Resource Timing then tells wire bytes from body bytes); no-store keeps every
  // job's load cold, as the jobs share the device's HTTP cache.
  const scope = server.openScope({ gzip: true, cacheControl: 'no-store' });
  mountBundle(scope, jobs, students, data, runId);

  let stop!: (r: StopReason | Error) => void;
  const stopped = new Promise<StopReason | Error>((ok) => (stop = ok));
  // Devices of earlier sessions keep their labels; this session's are numbered after them.
  const earlier = results.devices ?? [];
  const mine = new Map<string, ServedDevice>();
  const finished = new Set<string>();
  const done = new Set<string>();
  let rows = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const runGone = () => !existsSync(runDir) || !existsSync(paths.exportDir);
  const gone = () => new UserError(`--run ${runDir}: the run directory was removed while serving; ${rows} device row(s) received before had been written to ${paths.results} and went with it`);

  const accept = async (body: Buffer): Promise<PostReply> => {
    const parsed = parsePost(body);
    if (!parsed.ok) return { status: 400, body: `refused: ${parsed.error}` };
    const post = parsed.post;
    if (post.runId !== runId) return { status: 409, body: 'refused: these results are for another bench --serve session' };
    if (runGone()) {
      stop(gone());
      return { status: 410, body: 'refused: the run directory was removed' };
    }
    let device = mine.get(post.deviceId);
    const isNew = !device;
    if (!device) {
      device = { label: `device-${earlier.length + mine.size + 1}`, id: post.deviceId, firstSeen: new Date().toISOString(), finished: false, ...post.device };
    }
    if (post.kind === 'done') {
      if (isNew) return { status: 400, body: 'refused: "done" from a device that posted no job' };
      device.finished = true;
      finished.add(post.deviceId);
    } else {
      const job = jobs.find((j) => j.id === post.jobId);
      if (!job) return { status: 400, body: `refused: jobId: no job "${post.jobId}" in this bundle` };
      const key = `${post.deviceId}/${post.jobId}`;
      if (done.has(key)) return { status: 409, body: `refused: ${device.label} already posted job ${post.jobId}` };
      let row;
      try {
        row = deviceRow(post, job, students[job.artifact]!, data, device);
      } catch (e) {
        if (e instanceof PostMismatch) return { status: 400, body: `refused: ${e.message}` };
        throw e;
      }
      done.add(key);
      if (isNew) mine.set(post.deviceId, device);
      results = { ...results, rows: [...results.rows, row] };
      rows++;
      log.info(`${device.label}: ${row.target} ${row.status}${row.latency ? ` p50 ${row.latency.p50.toPrecision(3)} ms` : row.reason ? `: ${row.reason}` : ''}`);
    }
    results = { ...results, devices: [...earlier, ...mine.values()] };
    await writeJsonAtomic(paths.results, results);
    await opts.onMerged?.(results);
    if (post.kind === 'done') {
      log.info(`${device.label}: finished (${device.userAgent})`);
      // After this reply has gone out.
      if (opts.devices !== undefined && finished.size >= opts.devices) setImmediate(() => stop('devices'));
    }
    return { status: 200, body: 'merged' };
  };
  // One post at a time: each merge reads the results the previous one wrote.
  scope.mountPost(BUNDLE_PATHS.results, MAX_POST_BYTES, (body) => {
    const next = queue.then(() => accept(body));
    queue = next.catch(() => undefined);
    return next;
  });

  const timers: NodeJS.Timeout[] = [];
  if (opts.timeoutSec !== undefined) timers.push(setTimeout(() => stop('timeout'), opts.timeoutSec * 1000));
  timers.push(setInterval(() => runGone() && stop(gone()), 1000));
  const onAbort = () => stop('interrupted');
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  opts.onListening?.(serveUrls(host, server.port, scope.base));
  const reason = await stopped;
  for (const t of timers) clearTimeout(t);
  opts.signal?.removeEventListener('abort', onAbort);
  await queue;
  await server.close();
  if (reason instanceof Error) throw reason;
  return { results, devices: mine.size, finished: finished.size, rows, reason, resultsPath: paths.results };
}
