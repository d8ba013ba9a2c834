import {
  arrivalDurationSeconds,
  openSchedule,
  scheduledRequestCount,
  targetRateAt,
  type ArrivalModel,
  type ClosedArrivalModel,
  type OpenArrivalModel,
} from './arrival-model';
import { CpuMonitor, GENERATOR_SATURATED_SHARE, HOST_STOLEN_SHARE_LIMIT, MACHINE_SATURATED_SHARE, type CpuReport } from './cpu-monitor';
import { LatencyHistogram, type LatencySummary } from './latency-histogram';
import { RunRecorder, type OperationFigures, type RequestOutcome, type TimelinePoint } from './run-recorder';

/**
 * Sends one request. `user` is the closed-loop user sending it (open-loop requests have none);
 * the workload uses it to pick that user's credentials.
 */
export type IssueRequest = (user: number | undefined) => Promise<RequestOutcome>;

/** An open run whose send rate is below this share of the target did not offer the load it claims. */
export const ACHIEVED_RATE_TOLERANCE = 0.98;
/** A send this late (ms) after its slot means the generator could not keep to the schedule. */
export const SEND_LAG_LIMIT_MS = 50;

export interface GeneratorHealth {
  /** How late sends were against their schedule (open loop), in milliseconds. */
  sendLag: LatencySummary;
  cpu: CpuReport;
  /** The generator or the machine limited the run: its figures describe the machine, not the system. */
  fellBehind: boolean;
  machineSaturated: boolean;
  /** Why the run is flagged, in words a report can print. */
  warnings: string[];
}

export interface LoadRunResult {
  arrival: ArrivalModel;
  durationSeconds: number;
  /** Open loop: the requests the schedule asked for. Closed loop: the requests sent. */
  scheduled: number;
  sent: number;
  completed: number;
  errors: number;
  rejected: number;
  /** Open loop: the mean target rate over the run; closed loop: undefined. */
  targetRatePerSecond?: number;
  /** Requests sent per second of the run. */
  achievedRatePerSecond: number;
  /** Answers that were neither errors nor rejections, per second. */
  throughputPerSecond: number;
  /** Every answer's latency (from when it was due, in the open loop). */
  latency: LatencySummary;
  /** Latency of successful answers only. */
  successfulLatency: LatencySummary;
  histogram: string;
  operations: Record<string, OperationFigures>;
  timeline: TimelinePoint[];
  generator: GeneratorHealth;
}

export interface RunOptions {
  /**
   * The generator's process also serves the system under test (the bench's bare chain runs in
   * it), so its busy core is the system's work as much as the generator's: the run is not flagged
   * for it. How late the sends were is still checked.
   */
  sharesProcessWithSystem?: boolean;
}

/** Runs a load of the given arrival model and resolves once every request has an answer. */
export async function runLoad(model: ArrivalModel, issue: IssueRequest, options: RunOptions = {}): Promise<LoadRunResult> {
  switch (model.kind) {
    case 'open':
      return runOpenLoop(model, issue, options);
    case 'closed':
      return runClosedLoop(model, issue, options);
  }
}

async function runOpenLoop(model: OpenArrivalModel, issue: IssueRequest, options: RunOptions): Promise<LoadRunResult> {
  const recorder = new RunRecorder();
  const sendLag = LatencyHistogram.create();
  const cpu = new CpuMonitor().start();
  const schedule = openSchedule(model);
  const inFlight = new Set<Promise<void>>();
  const startMs = performance.now();
  let sent = 0;
  let lastSendMs = 0;
  let next = schedule.next();

  const send = (dueAtMs: number) => {
    const request = issueSafely(issue, undefined).then((outcome) => recorder.record(outcome, dueAtMs, performance.now() - startMs));
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  };

  await new Promise<void>((resolve) => {
    // Each tick sends everything that is due, then sleeps until the next slot. Timers fire late
    // under load; the requests due meanwhile go out together and keep their due times, so the
    // lateness counts in their latency instead of silently stretching the schedule.
    const tick = () => {
      const nowMs = performance.now() - startMs;
      while (!next.done && next.value <= nowMs) {
        sendLag.recordMilliseconds(nowMs - next.value);
        send(next.value);
        sent += 1;
        lastSendMs = nowMs;
        next = schedule.next();
      }
      if (next.done) {
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, next.value - (performance.now() - startMs) - 1));
    };
    tick();
  });
  while (inFlight.size > 0) await Promise.all(inFlight);

  const durationSeconds = arrivalDurationSeconds(model);
  const scheduled = scheduledRequestCount(model);
  const targetRatePerSecond = scheduled / durationSeconds;
  // A generator that kept up sends its last request inside the run; one that fell behind
  // sends it late, and its achieved rate counts the extra time.
  const sendSeconds = Math.max(durationSeconds, lastSendMs / 1000);
  const achievedRatePerSecond = sent / sendSeconds;
  const cpuReport = cpu.stop();
  const lag = sendLag.summary();
  const warnings: string[] = [];
  if (achievedRatePerSecond < targetRatePerSecond * ACHIEVED_RATE_TOLERANCE) {
    warnings.push(`achieved ${achievedRatePerSecond.toFixed(1)} req/s of the ${targetRatePerSecond.toFixed(1)} req/s target`);
  }
  if (lag.p99 > SEND_LAG_LIMIT_MS) warnings.push(`1% of sends were more than ${lag.p99.toFixed(0)} ms late`);
  return finish(
    model,
    recorder,
    {
      durationSeconds,
      scheduled,
      sent,
      targetRatePerSecond,
      achievedRatePerSecond,
      sendLag: lag,
      cpu: cpuReport,
      warnings,
    },
    options,
  );
}

async function runClosedLoop(model: ClosedArrivalModel, issue: IssueRequest, options: RunOptions): Promise<LoadRunResult> {
  const recorder = new RunRecorder();
  const cpu = new CpuMonitor().start();
  const startMs = performance.now();
  const endMs = model.durationSeconds * 1000;
  let sent = 0;

  const user = async (index: number) => {
    while (performance.now() - startMs < endMs) {
      const sentAtMs = performance.now() - startMs;
      sent += 1;
      const outcome = await issueSafely(issue, index);
      recorder.record(outcome, sentAtMs, performance.now() - startMs);
      if (model.thinkTimeMs > 0) await new Promise((resolve) => setTimeout(resolve, model.thinkTimeMs));
    }
  };
  await Promise.all(Array.from({ length: model.users }, (_, index) => user(index)));

  const durationSeconds = model.durationSeconds;
  return finish(
    model,
    recorder,
    {
      durationSeconds,
      scheduled: sent,
      sent,
      achievedRatePerSecond: sent / Math.max(durationSeconds, recorder.lastCompletionMs / 1000),
      sendLag: LatencyHistogram.create().summary(),
      cpu: cpu.stop(),
      warnings: [],
    },
    options,
  );
}

/** A workload that throws has a bug, but the run still counts the request as a failure. */
async function issueSafely(issue: IssueRequest, user: number | undefined): Promise<RequestOutcome> {
  try {
    return await issue(user);
  } catch {
    return { operation: 'unexpected-error', status: 0 };
  }
}

function finish(
  model: ArrivalModel,
  recorder: RunRecorder,
  run: {
    durationSeconds: number;
    scheduled: number;
    sent: number;
    targetRatePerSecond?: number;
    achievedRatePerSecond: number;
    sendLag: LatencySummary;
    cpu: CpuReport;
    warnings: string[];
  },
  options: RunOptions,
): LoadRunResult {
  const warnings = [...run.warnings];
  const generatorSaturated = options.sharesProcessWithSystem !== true && run.cpu.generatorCoreShare > GENERATOR_SATURATED_SHARE;
  if (generatorSaturated) warnings.push(`the load generator used ${(run.cpu.generatorCoreShare * 100).toFixed(0)}% of its core`);
  const machineSaturated = run.cpu.machineBusyShare > MACHINE_SATURATED_SHARE;
  if (machineSaturated) warnings.push(`the machine's CPU was ${(run.cpu.machineBusyShare * 100).toFixed(0)}% busy`);
  const stolen = run.cpu.hostStolenShare;
  if (stolen !== undefined && stolen > HOST_STOLEN_SHARE_LIMIT) {
    warnings.push(`the host took ${(stolen * 100).toFixed(0)}% of the machine's CPU time for other guests (steal)`);
  }
  const answered = recorder.completed - recorder.errors - recorder.rejected;
  const answerSeconds = Math.max(run.durationSeconds, recorder.lastCompletionMs / 1000);
  return {
    arrival: model,
    durationSeconds: run.durationSeconds,
    scheduled: run.scheduled,
    sent: run.sent,
    completed: recorder.completed,
    errors: recorder.errors,
    rejected: recorder.rejected,
    targetRatePerSecond: run.targetRatePerSecond,
    achievedRatePerSecond: run.achievedRatePerSecond,
    throughputPerSecond: answered / answerSeconds,
    latency: recorder.latency(),
    successfulLatency: recorder.successfulLatency(),
    histogram: recorder.encodedHistogram(),
    operations: recorder.operationFigures(),
    timeline: recorder.timeline((second) => targetRateAt(model, second)),
    generator: {
      sendLag: run.sendLag,
      cpu: run.cpu,
      fellBehind: run.warnings.length > 0 || generatorSaturated,
      machineSaturated,
      warnings,
    },
  };
}
