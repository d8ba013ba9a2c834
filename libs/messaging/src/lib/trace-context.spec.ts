import { nextTraceparent, runWithTraceContext, traceIdOf } from './trace-context';

describe('trace context', () => {
  it('starts a new trace outside any event', () => {
    const first = nextTraceparent();
    expect(first).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(traceIdOf(nextTraceparent())).not.toBe(traceIdOf(first));
  });

  it('continues the trace of the event being handled, with a new span', () => {
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const child = runWithTraceContext(parent, () => nextTraceparent());
    expect(traceIdOf(child)).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(child).not.toBe(parent);
  });

  it('ignores a malformed parent', () => {
    expect(runWithTraceContext('garbage', () => traceIdOf(nextTraceparent()))).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdOf(undefined)).toBeUndefined();
  });
});
