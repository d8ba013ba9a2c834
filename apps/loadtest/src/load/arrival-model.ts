/**
 * How requests arrive.
 *
 * - `open`: requests are sent on a schedule (a rate per stage) whether or not earlier ones have
 *   returned, as independent users on the internet do. Latency is measured from the moment the
 *   schedule said to send, so a slow system's queueing shows in the figures (no coordinated
 *   omission). A ramp is several stages of rising rate.
 * - `closed`: N users each send a request, wait for its answer, think, and send the next. The
 *   system's speed sets the rate, so it measures capacity at a concurrency, not latency at a load.
 */
export type ArrivalModel = OpenArrivalModel | ClosedArrivalModel;

export interface OpenArrivalModel {
  kind: 'open';
  stages: readonly RateStage[];
}

export interface RateStage {
  ratePerSecond: number;
  durationSeconds: number;
}

export interface ClosedArrivalModel {
  kind: 'closed';
  users: number;
  durationSeconds: number;
  /** Pause between a user's answer and its next request; 0 sends back to back. */
  thinkTimeMs: number;
}

export function arrivalDurationSeconds(model: ArrivalModel): number {
  switch (model.kind) {
    case 'open':
      return model.stages.reduce((total, stage) => total + stage.durationSeconds, 0);
    case 'closed':
      return model.durationSeconds;
  }
}

/** The target rate at a moment of an open run, or undefined for a closed one. */
export function targetRateAt(model: ArrivalModel, secondsIntoRun: number): number | undefined {
  if (model.kind === 'closed') return undefined;
  let stageStart = 0;
  for (const stage of model.stages) {
    if (secondsIntoRun < stageStart + stage.durationSeconds) return stage.ratePerSecond;
    stageStart += stage.durationSeconds;
  }
  return model.stages.at(-1)?.ratePerSecond;
}

/** Requests an open model schedules in total (its target). */
export function scheduledRequestCount(model: OpenArrivalModel): number {
  return model.stages.reduce((total, stage) => total + Math.round(stage.ratePerSecond * stage.durationSeconds), 0);
}

/**
 * The open model's send times, in milliseconds from the start, evenly spaced within each stage.
 * Even spacing (rather than Poisson) keeps runs comparable and makes "the generator fell behind"
 * a precise statement: any send later than its slot is the generator's fault, not chance.
 */
export function* openSchedule(model: OpenArrivalModel): Generator<number> {
  let stageStartMs = 0;
  for (const stage of model.stages) {
    const count = Math.round(stage.ratePerSecond * stage.durationSeconds);
    const intervalMs = 1000 / stage.ratePerSecond;
    for (let index = 0; index < count; index += 1) yield stageStartMs + index * intervalMs;
    stageStartMs += stage.durationSeconds * 1000;
  }
}
