/**
 * CPU time per process, read from /proc/<pid>/stat (utime+stime, plus the reaped children's
 * cutime+cstime, so PostgreSQL's exited backends count): the bench process (engine and API, and the
 * raw baselines' worker), its PostgreSQL and Temporal dev server, and any other child ("worker": the
 * scale phase's worker process), and the HTTP load generator's process.
 * On a machine without /proc (or with the servers elsewhere) the figures are empty, not wrong.
 */
import { readdirSync, readFileSync } from 'node:fs';

export type CpuGroup = 'Temporal' | 'PostgreSQL' | 'engine' | 'worker' | 'load generator';

/** Child processes known by pid (the load generator); other children go by their command name. */
const named = new Map<number, CpuGroup>();

export function nameProcess(pid: number, group: CpuGroup): void {
  named.set(pid, group);
}

/** Clock ticks per second on Linux (sysconf CLK_TCK, 100 on every mainstream kernel). */
const ticksPerSecond = 100;

interface Stat {
  pid: number;
  comm: string;
  ppid: number;
  own: number;
  children: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const fields = text
      .slice(close + 2)
      .split(' ')
      .map(Number);
    const at = (i: number) => fields[i] ?? 0;
    const comm = text.slice(text.indexOf('(') + 1, close);
    return { pid, comm, ppid: at(1), own: at(11) + at(12), children: at(13) + at(14) };
  } catch {
    return undefined;
  }
}

/** CPU milliseconds so far by group: this process and its descendants. */
export function cpuSnapshot(): Map<CpuGroup, number> {
  const totals = new Map<CpuGroup, number>();
  const add = (group: CpuGroup, ticks: number) =>
    totals.set(group, (totals.get(group) ?? 0) + (ticks * 1000) / ticksPerSecond);
  let stats: Stat[] = [];
  try {
    stats = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .flatMap((name) => readStat(Number(name)) ?? []);
  } catch {
    return totals;
  }
  const self = stats.find((s) => s.pid === process.pid);
  if (self) add('engine', self.own);
  const byParent = new Map<number, Stat[]>();
  for (const s of stats) byParent.set(s.ppid, [...(byParent.get(s.ppid) ?? []), s]);
  const visit = (pid: number, depth: number) => {
    if (depth > 8) return;
    for (const child of byParent.get(pid) ?? []) {
      add(named.get(child.pid) ?? groupOf(child.comm), child.own + child.children);
      visit(child.pid, depth + 1);
    }
  };
  visit(process.pid, 0);
  return totals;
}

function groupOf(comm: string): CpuGroup {
  if (comm.startsWith('postgres')) return 'PostgreSQL';
  if (comm.startsWith('temporal')) return 'Temporal';
  return 'worker';
}

const groups: CpuGroup[] = ['Temporal', 'PostgreSQL', 'engine', 'worker', 'load generator'];

/** "Temporal 1.2, PostgreSQL 0.8, engine 2.1, load generator 0.3": ms per item by process. */
function formatPerItem(ms: Map<CpuGroup, number>, items: number): string {
  return groups
    .filter((g) => ms.has(g))
    .map((g) => `${g} ${Math.round(((ms.get(g) ?? 0) / Math.max(1, items)) * 100) / 100}`)
    .join(', ');
}

/** Starts a measurement; `perItem(n)` gives the CPU ms per item by process since. */
export function cpuMeter(): { perItem(items: number): string } {
  const before = cpuSnapshot();
  return {
    perItem(items: number) {
      const after = cpuSnapshot();
      return formatPerItem(new Map([...after].map(([g, v]) => [g, v - (before.get(g) ?? 0)])), items);
    },
  };
}

/**
 * CPU over several measured stretches of one figure (the repetitions of an A-B-B-A comparison):
 * `measure` adds a stretch and its items, `perItem` gives the whole's ms per item by process.
 */
export function cpuTally() {
  const totals = new Map<CpuGroup, number>();
  let items = 0;
  return {
    async measure<T>(count: number, task: () => Promise<T>): Promise<T> {
      const before = cpuSnapshot();
      try {
        return await task();
      } finally {
        for (const [g, v] of cpuSnapshot()) totals.set(g, (totals.get(g) ?? 0) + v - (before.get(g) ?? 0));
        items += count;
      }
    },
    perItem: () => formatPerItem(totals, items),
  };
}
