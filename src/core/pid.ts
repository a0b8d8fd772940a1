/** Whether a process id belongs to a live process, for telling a dead run's leftovers from a live run's files. */

/**
 * True when a process `pid` exists (signal 0 probes without sending anything; EPERM means it exists but belongs to
 * another user). A recycled pid reads as alive, which errs on the side of leaving files alone.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
