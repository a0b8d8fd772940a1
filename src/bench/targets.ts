/**
 * Targets as the bench and sizing stages load them: the config layer's schema (src/config/target.ts) plus the rule
 * only the runner registry can state, that some runner offers the target's runtime, host and backend. The backends
 * each runtime offers on each host are derived from the runners, so adding a runner adds its combinations here, in
 * the target schema's description and in targets/target.schema.json (`npm run targets:schema`).
 */
import { listOf } from '../core/errors.js';
import {
  HOSTS,
  RUNTIMES,
  loadTarget,
  loadTargets,
  parseTarget,
  targetJsonSchema,
  type Backend,
  type Host,
  type Runtime,
  type Target,
  type TargetRule,
} from '../config/target.js';
import { runners } from './runners/registry.js';

/**
 * Which backends (tfjs) or execution providers (onnxruntime) each runtime offers on each host: the union of the
 * runners' `backends`, in registry order. On Node, onnxruntime `cpu` is onnxruntime-node and `wasm` is
 * onnxruntime-web running under Node.
 */
export function backendsByHost(): Record<Runtime, Record<Host, Backend[]>> {
  const table = Object.fromEntries(RUNTIMES.map((r) => [r, Object.fromEntries(HOSTS.map((h) => [h, [] as Backend[]]))])) as Record<Runtime, Record<Host, Backend[]>>;
  for (const r of runners.all()) {
    const list = table[r.runtime][r.host];
    for (const b of r.backends) if (!list.includes(b)) list.push(b);
  }
  return table;
}

/** The target rule "a runner offers this runtime, host and backend", naming the backends that do. */
export const runnerRule: TargetRule = (t) => {
  const allowed = backendsByHost()[t.runtime][t.host];
  if (allowed.includes(t.backend)) return [];
  const message = allowed.length
    ? `${t.runtime} on ${t.host} has no backend "${t.backend}". Must be one of ${listOf(allowed)}`
    : `no runner runs ${t.runtime} on ${t.host} (runners: ${listOf(runners.names())})`;
  return [{ path: allowed.length ? ['backend'] : ['host'], message }];
};

const RULES = [runnerRule];

/** Validates a parsed target, including that a runner runs it; a problem is a UserError `source: field: message`. */
export function parseBenchTarget(value: unknown, source: string): Target {
  return parseTarget(value, source, RULES);
}

/** Reads and validates one target file, including that a runner runs it. */
export function loadBenchTarget(path: string): Promise<Target> {
  return loadTarget(path, RULES);
}

/** Loads every target the patterns name, each checked to have a runner; duplicate ids are a UserError. */
export function loadBenchTargets(patterns: string[]): Promise<{ path: string; target: Target }[]> {
  return loadTargets(patterns, RULES);
}

/** The JSON Schema of a target file (targets/target.schema.json), its description listing the runners' backends. */
export function benchTargetJsonSchema(): Record<string, unknown> {
  const schema = targetJsonSchema();
  const table = backendsByHost();
  const combos = RUNTIMES.flatMap((r) => HOSTS.filter((h) => table[r][h].length).map((h) => `${r} on ${h}: ${table[r][h].join(', ')}`));
  return { ...schema, description: `${String(schema.description)} Backends per runtime and host: ${combos.join('; ')}.` };
}
