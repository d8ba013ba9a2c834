import { AsyncLocalStorage, AsyncResource, executionAsyncId } from 'node:async_hooks';
import { useAsyncResourceBindWithoutDeprecatedAccessor } from './async-resource-bind';

describe('AsyncResource#bind without the deprecated accessor', () => {
  const storage = new AsyncLocalStorage<string>();

  beforeAll(() => useAsyncResourceBindWithoutDeprecatedAccessor());

  it('runs the bound function in the async context of the bind, wherever it is called from', () => {
    const bound = storage.run('at bind time', () => new AsyncResource('test').bind(() => storage.getStore()));
    expect(storage.run('at call time', bound)).toBe('at bind time');
  });

  it('runs it in the resource’s async scope', () => {
    const resource = new AsyncResource('test');
    expect(resource.bind(() => executionAsyncId())()).toBe(resource.asyncId());
  });

  it('passes the call’s own this, or thisArg when one is given, and every argument', () => {
    function describeCall(this: unknown, ...args: unknown[]) {
      return { self: this, args };
    }
    const receiver = { name: 'receiver' };
    const unbound = { call: new AsyncResource('test').bind(describeCall) };
    expect(unbound.call(1, 2)).toEqual({ self: unbound, args: [1, 2] });
    // The static form passes thisArg on to the instance's bind, as Node's own does.
    const withThisArg = AsyncResource.bind(describeCall, 'test', receiver);
    expect(withThisArg(3)).toEqual({ self: receiver, args: [3] });
  });

  it('keeps the function’s length and rethrows what it throws', () => {
    const bound = new AsyncResource('test').bind((first: number, second: number) => {
      throw new Error(`failed with ${first + second}`);
    });
    expect(bound.length).toBe(2);
    expect(() => bound(1, 2)).toThrow('failed with 3');
  });

  it('replaces Node 20’s bind, whose functions then carry no asyncResource accessor, and leaves other lines’ own', () => {
    const bound = new AsyncResource('test').bind(() => undefined);
    if (process.versions.node.startsWith('20.')) {
      expect(Object.getOwnPropertyDescriptor(bound, 'asyncResource')).toBeUndefined();
    } else {
      // Node's own implementation validates its argument with an internal helper this one lacks.
      expect(AsyncResource.prototype.bind.toString()).toContain('validateFunction');
    }
  });

  it('refuses what is not a function, as Node does', () => {
    expect(() => new AsyncResource('test').bind('not a function' as unknown as () => void)).toThrow(TypeError);
  });
});
