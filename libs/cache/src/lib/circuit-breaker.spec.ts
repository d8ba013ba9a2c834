import { CircuitBreaker, CircuitOpenError, type BreakerState } from './circuit-breaker';

describe('CircuitBreaker', () => {
  const fail = () => Promise.reject(new Error('down'));
  const succeed = () => Promise.resolve('ok');

  function setup() {
    const clock = { now: 0 };
    const states: BreakerState[] = [];
    const breaker = new CircuitBreaker('redis', {
      failureThreshold: 3,
      openDurationMs: 1_000,
      now: () => clock.now,
      onStateChange: (state) => states.push(state),
    });
    return { breaker, clock, states };
  }

  it('opens after failureThreshold consecutive failures and then fails fast without calling', async () => {
    const { breaker } = setup();
    for (let attempt = 0; attempt < 3; attempt += 1) await expect(breaker.run(fail)).rejects.toThrow('down');
    const operation = jest.fn(succeed);

    await expect(breaker.run(operation)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(operation).not.toHaveBeenCalled();
  });

  it('a success resets the count of consecutive failures', async () => {
    const { breaker } = setup();
    await expect(breaker.run(fail)).rejects.toThrow();
    await expect(breaker.run(fail)).rejects.toThrow();
    await breaker.run(succeed);
    await expect(breaker.run(fail)).rejects.toThrow();
    expect(breaker.currentState).toBe('closed');
  });

  it('lets one trial call through after openDurationMs: success closes, failure reopens', async () => {
    const { breaker, clock, states } = setup();
    for (let attempt = 0; attempt < 3; attempt += 1) await expect(breaker.run(fail)).rejects.toThrow();
    clock.now += 1_000;
    await expect(breaker.run(fail)).rejects.toThrow('down');
    expect(breaker.currentState).toBe('open');

    clock.now += 1_000;
    let finishTrial: (value: string) => void = () => undefined;
    const trial = breaker.run(() => new Promise<string>((resolve) => (finishTrial = resolve)));
    await expect(breaker.run(succeed)).rejects.toBeInstanceOf(CircuitOpenError); // only one trial at a time
    finishTrial('ok');
    await trial;

    expect(breaker.currentState).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });
});
