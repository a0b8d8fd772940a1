/**
 * A one-node Slurm cluster for tests, started from Debian's slurm-wlm and munge packages in a temp directory: its own
 * munge key and socket, a minimal slurm.conf (free ports, state and spool under the directory), slurmctld and slurmd
 * in the foreground as children of the test. Nothing under /etc or /run is touched; stop() cancels the jobs, ends
 * every daemon it started (by pid) and removes the directory; the test calls it in `finally`, and a process exit
 * kills the daemons too.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DAEMONS = ['munged', 'slurmctld', 'slurmd'];
const CLIENTS = ['sbatch', 'squeue', 'scontrol', 'scancel', 'sinfo'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The full path of `name` on PATH or in /usr/sbin and /sbin (daemons live there; PATH may not have them). */
function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin'];
  return dirs.filter((d) => d.startsWith('/')).map((d) => join(d, name)).find((p) => existsSync(p));
}

/** Why a Slurm cluster cannot be started here (not root, packages missing), or undefined when it can. */
export function slurmUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'Slurm test needs Linux';
  if (process.getuid?.() !== 0) return 'Slurm test needs root (slurmd runs the jobs; CI runs as root)';
  const missing = [...DAEMONS, ...CLIENTS].filter((n) => !which(n));
  if (!which('mungekey') && !existsSync('/dev/urandom')) missing.push('mungekey');
  if (missing.length) return `Slurm test needs Debian's slurm-wlm and munge packages (apt-get install -y slurm-wlm munge): ${missing.join(', ')} not found`;
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface SlurmCluster {
  dir: string;
  /** The environment for Slurm's client commands (SLURM_CONF of this cluster). */
  env: NodeJS.ProcessEnv;
  /** Runs a Slurm client command; throws with its stderr when it fails. */
  run(cmd: string, args: string[]): string;
  /** Waits until none of `jobs` is pending or running; returns each job record's JobState (array tasks included). */
  wait(jobs: string[], timeoutMs: number): Promise<string[]>;
  /** Pids of the processes of a running job on the node (`scontrol listpids`), [] while it has none. */
  pids(job: string): number[];
  /** The last lines of the daemons' logs, for a failure message. */
  logs(): string;
  stop(): Promise<void>;
}

/** Starts munged, slurmctld and slurmd; resolves once the node is idle (throws with the logs after `timeoutMs`). */
export async function startSlurm(timeoutMs = 30_000): Promise<SlurmCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'ed-slurm-'));
  chmodSync(dir, 0o755);
  for (const d of ['munge', 'state', 'spool', 'log']) mkdirSync(join(dir, d));
  chmodSync(join(dir, 'munge'), 0o700);
  const key = join(dir, 'munge', 'munge.key');
  const mk = which('mungekey') ? spawnSync(which('mungekey')!, ['-c', '-k', key]) : spawnSync('dd', ['if=/dev/urandom', `of=${key}`, 'bs=1', 'count=1024']);
  if (mk.status !== 0) throw new Error(`munge key: ${mk.stderr}`);
  chmodSync(key, 0o600);
  const socket = join(dir, 'munge', 'munge.sock');
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=edtest',
      'SlurmctldHost=localhost',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'MpiDefault=none',
      'ReturnToService=2',
      'SchedulerType=sched/builtin',
      'MinJobAge=600',
      'NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN',
      'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const children: ChildProcess[] = [];
  const exits: string[] = [];
  const daemon = (name: string, args: string[]) => {
    const c = spawn(which(name)!, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr!.on('data', (d) => (err += d));
    c.on('exit', (code, sig) => exits.push(`${name} exited (${code ?? sig}): ${err.trim().split('\n').slice(-3).join(' | ')}`));
    children.push(c);
  };
  const killAll = (sig: NodeJS.Signals) => children.forEach((c) => c.exitCode === null && c.signalCode === null && c.pid && process.kill(c.pid, sig));
  const onExit = () => killAll('SIGKILL');
  process.on('exit', onExit);
  const tail = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').slice(-6).join('\n') : '(no log)');
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(which(cmd)!, args, { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  const cluster: SlurmCluster = {
    dir,
    env,
    run,
    logs: () => [...exits, `munged: ${tail(join(dir, 'munge', 'munged.log'))}`, `slurmctld: ${tail(join(dir, 'log', 'slurmctld.log'))}`, `slurmd: ${tail(join(dir, 'log', 'slurmd.log'))}`].join('\n'),
    async wait(jobs, ms) {
      const t0 = Date.now();
      while (run('squeue', ['-h', '-o', '%i %t', '-j', jobs.join(',')]).trim() !== '') {
        if (Date.now() - t0 > ms) throw new Error(`Slurm jobs ${jobs.join(',')} still queued after ${ms} ms:\n${run('squeue', [])}\n${cluster.logs()}`);
        await sleep(250);
      }
      return jobs.flatMap((j) => [...run('scontrol', ['show', 'job', j]).matchAll(/JobState=(\w+)/g)].map((m) => m[1]!));
    },
    pids(job) {
      const r = spawnSync(which('scontrol')!, ['listpids', job], { env, encoding: 'utf8' });
      if (r.status !== 0) return [];
      return r.stdout.split('\n').slice(1).map((l) => Number(l.trim().split(/\s+/)[0])).filter((p) => Number.isInteger(p) && p > 0);
    },
    async stop() {
      try {
        spawnSync(which('scancel')!, ['--user=root'], { env });
        const t0 = Date.now();
        while (Date.now() - t0 < 10_000 && spawnSync(which('squeue')!, ['-h'], { env, encoding: 'utf8' }).stdout.trim() !== '') await sleep(200);
      } finally {
        killAll('SIGTERM');
        const t0 = Date.now();
        while (Date.now() - t0 < 5000 && children.some((c) => c.exitCode === null && c.signalCode === null)) await sleep(100);
        killAll('SIGKILL');
        process.off('exit', onExit);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  try {
    daemon('munged', ['-F', '-f', `--key-file=${key}`, `--socket=${socket}`, `--pid-file=${join(dir, 'munge', 'munged.pid')}`, `--log-file=${join(dir, 'munge', 'munged.log')}`, `--seed-file=${join(dir, 'munge', 'munged.seed')}`]);
    for (let t = 0; !existsSync(socket); t += 50) {
      if (t > 10_000 || exits.length) throw new Error('munged did not start');
      await sleep(50);
    }
    daemon('slurmctld', ['-D', '-i']);
    daemon('slurmd', ['-D', '-N', 'localhost']);
    const t0 = Date.now();
    for (;;) {
      const r = spawnSync(which('sinfo')!, ['-h', '-n', 'localhost', '-o', '%t'], { env, encoding: 'utf8' });
      if (r.status === 0 && r.stdout.trim() === 'idle') break;
      if (exits.length || Date.now() - t0 > timeoutMs) throw new Error(`the Slurm node did not become idle (sinfo: ${(r.stdout + r.stderr).trim()})`);
      await sleep(200);
    }
    return cluster;
  } catch (e) {
    const logs = cluster.logs();
    await cluster.stop();
    throw new Error(`${(e as Error).message}\n${logs}`);
  }
}
