/**
 * Times the sections of a benchmark run and says how much of the machine's CPU other processes used
 * meanwhile: on a shared machine that is what makes figures low, and it is worth printing beside them.
 */
import os from 'node:os';

export interface Section {
  name: string;
  seconds: number;
  /** Share of all cores' time that processes other than this one were busy (0–1). Child processes count as other. */
  othersCpuShare: number;
}

interface CpuSnapshot {
  machineBusyMs: number;
  machineTotalMs: number;
  ownMs: number;
}

function cpuSnapshot(): CpuSnapshot {
  let machineBusyMs = 0;
  let machineTotalMs = 0;
  for (const { times } of os.cpus()) {
    const busy = times.user + times.nice + times.sys + times.irq;
    machineBusyMs += busy;
    machineTotalMs += busy + times.idle;
  }
  // All threads of this process: the main thread, the bottleneck workers and libvips.
  const own = process.cpuUsage();
  return { machineBusyMs, machineTotalMs, ownMs: (own.user + own.system) / 1000 };
}

function othersCpuShare(before: CpuSnapshot, after: CpuSnapshot): number {
  const othersMs = after.machineBusyMs - before.machineBusyMs - (after.ownMs - before.ownMs);
  return Math.max(0, othersMs / (after.machineTotalMs - before.machineTotalMs));
}

export async function runSection<T>(name: string, sections: Section[], work: () => Promise<T>): Promise<T> {
  process.stderr.write(`${name}…\n`);
  const cpuBefore = cpuSnapshot();
  const start = performance.now();
  const value = await work();
  const section = { name, seconds: (performance.now() - start) / 1000, othersCpuShare: othersCpuShare(cpuBefore, cpuSnapshot()) };
  sections.push(section);
  process.stderr.write(`${name}: ${section.seconds.toFixed(1)} s, other processes used ${(section.othersCpuShare * 100).toFixed(0)}% of the CPU\n`);
  return value;
}
