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
}

/** Above this average the machine, not the system under test, set the figures. */
export const MACHINE_SATURATED_SHARE = 0.95;
/** Above this the generator's single thread was the bottleneck. */
export const GENERATOR_SATURATED_SHARE = 0.9;

const SAMPLE_INTERVAL_MS = 1000;

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
    };
  }
}
