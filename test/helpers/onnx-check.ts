/**
 * Runs Debian's python3-onnx checker (`onnx.checker.check_model(m, full_check=True)`) over .onnx files: an
 * independent validator, since our writer and onnxruntime could share a misreading of the spec.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PYTHON = '/usr/bin/python3';

/** Why the checker cannot run here (undefined when it can): pass as a test's `skip` reason. */
export function onnxCheckerSkipReason(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found (CI installs python3-onnx)`;
  const r = spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : 'python3-onnx is not installed (apt-get install python3-onnx; CI installs it)';
}

/** Checks each file; returns the checker's error per failing file (empty when all pass). */
export function runOnnxChecker(files: string[]): Record<string, string> {
  const script = [
    'import sys, json, onnx',
    'bad = {}',
    'for f in sys.argv[1:]:',
    '    try:',
    '        onnx.checker.check_model(onnx.load(f), full_check=True)',
    '    except Exception as e:',
    '        bad[f] = str(e).splitlines()[0] if str(e) else repr(e)',
    'print(json.dumps(bad))',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', script, ...files], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`onnx checker failed to run: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, string>;
}
