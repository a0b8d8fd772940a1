/** The shared CIFAR-10 folders and teacher every CIFAR-10 benchmark reads (../shared beside the repository). */
import { existsSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const SHARED = resolve('..', 'shared');
export const CIFAR10_ARCHIVE = join(SHARED, 'datasets', 'cifar10', 'cifar10-jpeg.tar.gz');
export const CIFAR10_TEACHER_DIR = join(SHARED, 'teachers', 'cifar10');

/**
 * Exits 0 with a message when the archive or the teacher is not there; otherwise unpacks the archive into `dataDir`
 * once (train/ and test/ present: not again) and returns `dataDir`.
 */
export function cifar10Folders(dataDir: string): string {
  if (!existsSync(CIFAR10_ARCHIVE) || !existsSync(join(CIFAR10_TEACHER_DIR, 'teacher.onnx'))) {
    console.error(`skipped: CIFAR-10 (${CIFAR10_ARCHIVE}) or its teacher (${CIFAR10_TEACHER_DIR}/teacher.onnx) is not there; this benchmark needs the shared folders`);
    process.exit(0);
  }
  if (!existsSync(join(dataDir, 'train')) || !existsSync(join(dataDir, 'test'))) {
    mkdirSync(dataDir, { recursive: true });
    console.error(`unpacking ${CIFAR10_ARCHIVE} to ${dataDir} ...`);
    execFileSync('tar', ['xzf', CIFAR10_ARCHIVE, '-C', dataDir]);
  }
  return dataDir;
}
