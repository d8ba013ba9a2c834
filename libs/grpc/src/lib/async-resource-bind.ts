import { AsyncResource } from 'node:async_hooks';

type AnyFunction = (...args: never[]) => unknown;

const nodeBind = AsyncResource.prototype.bind;

/**
 * Node 20's `AsyncResource#bind`, without the deprecated `asyncResource` accessor it defines on
 * every function it returns.
 *
 * Why: grpc-js opens an HTTP/2 stream per call, and Node's `ClientHttp2Session.request` binds the
 * stream's connect callback with a new AsyncResource each time. On Node 20 every such bind builds
 * two `util.deprecate` wrappers for that accessor (DEP0172, deprecated since Node 20 and never
 * read by anything in this system): under the gateway read bench, `deprecate` and `bind` were
 * 4.6% of the gateway's profile, and with them gone the gateway's CPU per read fell by about a
 * fifth (libs/grpc README). Only Node 20, the line this project runs and measured, is touched;
 * on any other line Node's own `bind` stays.
 *
 * The replacement keeps what `bind` does: the function runs in the resource's async scope, with
 * the `this` it was called with (or `thisArg`), and keeps its `length`. Installed once per process,
 * when a gRPC client is configured (`grpcClientOptions`); it replaces only Node's own method.
 */
export function useAsyncResourceBindWithoutDeprecatedAccessor(): void {
  if (process.versions.node.split('.')[0] !== '20' || AsyncResource.prototype.bind !== nodeBind) return;
  AsyncResource.prototype.bind = function bind<Func extends AnyFunction>(this: AsyncResource, fn: Func, thisArg?: unknown): Func {
    if (typeof fn !== 'function') throw new TypeError(`The "fn" argument must be of type function, got ${typeof fn}`);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the resource, captured for the bound function
    const resource = this;
    const run = fn as unknown as (...args: unknown[]) => unknown;
    const bound =
      thisArg === undefined
        ? function (this: unknown, ...args: unknown[]) {
            return resource.runInAsyncScope(run, this, ...args);
          }
        : (...args: unknown[]) => resource.runInAsyncScope(run, thisArg, ...args);
    Object.defineProperty(bound, 'length', { configurable: true, enumerable: false, value: fn.length, writable: false });
    return bound as unknown as Func;
  };
}
