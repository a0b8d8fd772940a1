import { join } from 'node:path';
import { shellLine, shellQuote } from './shell.js';
import { shardArgv, type CachePlan, type Scheduler } from './types.js';

/** The pod spec both Jobs share: one container running `argv` in `workdir`, the volume claim mounted there. */
function podSpec(p: CachePlan, argv: string[]) {
  return {
    restartPolicy: 'Never',
    containers: [
      {
        name: 'edge-distill',
        image: p.image,
        workingDir: p.workdir,
        command: argv,
        resources: { requests: { cpu: String(p.cpus) } },
        ...(p.volumeClaim ? { volumeMounts: [{ name: 'work', mountPath: p.workdir }] } : {}),
      },
    ],
    ...(p.volumeClaim ? { volumes: [{ name: 'work', persistentVolumeClaim: { claimName: p.volumeClaim } }] } : {}),
  };
}

/** The Kubernetes Indexed Job computing the slices (JOB_COMPLETION_INDEX = slice index, `--shard auto/N`). */
export function indexedJob(p: CachePlan) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: p.name, labels: { 'app.kubernetes.io/name': 'edge-distill', 'edge-distill/step': 'cache' } },
    spec: {
      completionMode: 'Indexed',
      completions: p.shards,
      parallelism: p.parallelism,
      // Each index is retried on its own (Kubernetes ≥ 1.29; needs restartPolicy Never); a re-run slice replaces its
      // directory only once complete.
      backoffLimitPerIndex: p.retries,
      template: { metadata: { labels: { 'edge-distill/step': 'cache' } }, spec: podSpec(p, shardArgv(p)) },
    },
  };
}

/** The Job that merges the slices once the Indexed Job has completed (submit.sh waits for it). */
export function mergeJob(p: CachePlan) {
  const merge = `${shellLine([...p.command, 'cache', 'merge', '--out', p.out])} ${shellQuote(p.parts)}/*`;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${p.name}-merge`, labels: { 'app.kubernetes.io/name': 'edge-distill', 'edge-distill/step': 'merge' } },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 0,
      template: { metadata: { labels: { 'edge-distill/step': 'merge' } }, spec: podSpec(p, ['sh', '-c', merge]) },
    },
  };
}

/**
 * Kubernetes: the Indexed Job and the merge Job as JSON manifests (kubectl accepts JSON as it does YAML), and
 * submit.sh: apply the first, wait for it to complete, apply the second. Paths in the flags are inside the
 * container, relative to `workdir`.
 */
export const k8s: Scheduler = {
  name: 'k8s',
  files(p: CachePlan) {
    const json = (o: unknown) => JSON.stringify(o, null, 2) + '\n';
    // `kubectl wait` waits for one condition only; a Job whose index ran out of retries is Failed, never Complete.
    const waitFor = (job: string, why: string) => [
      'while :; do',
      `  state=$(kubectl get job/${job} -o jsonpath='{.status.conditions[?(@.status=="True")].type}')`,
      '  case "$state" in',
      '    *Complete*) break ;;',
      `    *Failed*) echo "job ${job} failed (${why})" >&2; exit 1 ;;`,
      '  esac',
      '  sleep 10',
      'done',
    ];
    const submit = [
      '#!/bin/bash',
      `# Runs the ${p.shards}-index Job, waits until every index has succeeded, then runs the merge Job.`,
      'set -euo pipefail',
      'here=$(cd "$(dirname "$0")" && pwd)',
      'kubectl apply -f "$here/cache-job.json"',
      ...waitFor(p.name, `failed indexes: $(kubectl get job/${p.name} -o jsonpath='{.status.failedIndexes}')`),
      'kubectl apply -f "$here/merge-job.json"',
      ...waitFor(`${p.name}-merge`, `kubectl logs job/${p.name}-merge says why`),
      '',
    ].join('\n');
    return {
      files: [
        { name: 'cache-job.json', text: json(indexedJob(p)) },
        { name: 'merge-job.json', text: json(mergeJob(p)) },
        { name: 'submit.sh', text: submit, executable: true },
      ],
      submit: `bash ${shellQuote(join(p.jobsDir, 'submit.sh'))}`,
    };
  },
};
