import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface CpuReport {
  /** Share of all cores' time the machine was busy, averaged over the run (0..1). */
  machineBusyShare: number;
  /** The busiest one-second sample. */
  machineBusyPeak: number;
  /** Share of one core this process (the load generator) used: it runs on one thread. */
  generatorCoreShare: number;
  /** 99th percentile of this process's event-loop delay: how late its timers fired. */
  generatorEventLoopDelayP99Ms: number;
  /**
   * Share of the machine's CPU time the hypervisor gave to other guests instead (Linux's
   * `steal`), over the run; undefined where the kernel does not report it. Stolen time is
   * invisible in `machineBusyShare` and in every process's CPU time: the cores simply ran slower.
   */
  hostStolenShare: number | undefined;
}

/** Above this average the machine, not the system under test, set the figures. */
export const MACHINE_SATURATED_SHARE = 0.95;
/** Above this the generator's single thread was the bottleneck. */
export const GENERATOR_SATURATED_SHARE = 0.9;

/**
 * Above this share of stolen time the host, not the system under test, set the figures. On the
 * 2-core VM of the README's figures, steal was 2 to 8% through most of a bench and 20% in its
 * worst five seconds, on days the same code ran 2.5 times slower than on others.
 */
export const HOST_STOLEN_SHARE_LIMIT = 0.1;

const SAMPLE_INTERVAL_MS = 1000;

/** The `cpu` line of /proc/stat: the ticks stolen by the hypervisor, and all ticks. */
export interface StolenTicks {
  stolen: number;
  total: number;
}

/**
 * Reads the aggregate `cpu` line of a /proc/stat text: user nice system idle iowait irq softirq
 * steal [guest guest_nice]. guest time is already counted in user and nice, so the total is the
 * first eight. Undefined for a kernel too old to report steal, or a text without the line.
 */
export function parseStolenTicks(procStat: string): StolenTicks | undefined {
  const line = procStat.split('\n').find((candidate) => candidate.startsWith('cpu '));
  const ticks = line?.trim().split(/\s+/).slice(1, 9).map(Number);
  if (ticks === undefined || ticks.length < 8 || ticks.some((value) => !Number.isFinite(value))) return undefined;
  return { stolen: ticks[7] as number, total: ticks.reduce((sum, value) => sum + value, 0) };
}

function stolenTicks(): StolenTicks | undefined {
  try {
    return parseStolenTicks(readFileSync('/proc/stat', 'utf8'));
  } catch {
    // Not Linux: no steal to report.
    return undefined;
  }
}

/** The share of the ticks between two readings that were stolen. */
export function stolenShareBetween(start: StolenTicks | undefined, end: StolenTicks | undefined): number | undefined {
  if (start === undefined || end === undefined || end.total <= start.total) return undefined;
  return (end.stolen - start.stolen) / (end.total - start.total);
}

function machineTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const sum = times.user + times.nice + times.sys + times.irq + times.idle;
    total += sum;
    busy += sum - times.idle;
  }
  return { busy, total };
}

/**
 * Watches the machine's CPU and the generator's own while a run goes: a run on a saturated
 * machine measured the machine, and a run whose generator was saturated measured the generator.
 */
export class CpuMonitor {
  private readonly samples: number[] = [];
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });
  private timer?: NodeJS.Timeout;
  private lastMachine = machineTimes();
  private readonly startMachine = this.lastMachine;
  private readonly startStolen = stolenTicks();
  private readonly startProcess = process.cpuUsage();
  private readonly startedAt = performance.now();

  start(): this {
    this.loopDelay.enable();
    this.timer = setInterval(() => {
      const now = machineTimes();
      const total = now.total - this.lastMachine.total;
      if (total > 0) this.samples.push((now.busy - this.lastMachine.busy) / total);
      this.lastMachine = now;
    }, SAMPLE_INTERVAL_MS);
    this.timer.unref();
    return this;
  }

  stop(): CpuReport {
    clearInterval(this.timer);
    this.loopDelay.disable();
    const end = machineTimes();
    const total = end.total - this.startMachine.total;
    const processUsage = process.cpuUsage(this.startProcess);
    const elapsedMicroseconds = (performance.now() - this.startedAt) * 1000;
    return {
      machineBusyShare: total > 0 ? (end.busy - this.startMachine.busy) / total : 0,
      machineBusyPeak: this.samples.length > 0 ? Math.max(...this.samples) : 0,
      generatorCoreShare: elapsedMicroseconds > 0 ? (processUsage.user + processUsage.system) / elapsedMicroseconds : 0,
      generatorEventLoopDelayP99Ms: this.loopDelay.count > 0 ? this.loopDelay.percentile(99) / 1e6 : 0,
      hostStolenShare: stolenShareBetween(this.startStolen, stolenTicks()),
    };
  }
}
