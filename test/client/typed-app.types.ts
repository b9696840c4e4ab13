// Type-level tests of client.app<typeof App>() and the execute/call/stream generics: this file is only
// compiled (`npm run typecheck`, part of `npm test`); a failing expectation is a compile error.
import { expectTypeOf } from 'expect-type';
import { DirtyApp } from '../../src/app/index.js';
import type { DirtyClient } from '../../src/client/client.js';
import type { ActionName, DirtyAppProxy } from '../../src/client/typed-app.js';

export class Thumbnailer extends DirtyApp {
  static override workers = 2;
  size = 0;
  override init(): Promise<void> {
    return Promise.resolve();
  }
  resize(image: Uint8Array, width: number): Uint8Array {
    return image.subarray(0, width);
  }
  async describe(image: Uint8Array): Promise<{ bytes: number }> {
    await Promise.resolve();
    return { bytes: image.length };
  }
  *tiles(n: number): Generator<number, void, unknown> {
    for (let i = 0; i < n; i++) yield i;
  }
  async *caption(image: Uint8Array, opts?: { lang: string }): AsyncGenerator<string> {
    await Promise.resolve();
    yield `${image.length}${opts?.lang ?? ''}`;
  }
  fail(): never {
    throw new Error('always');
  }
  _private(): number {
    return 1;
  }
  override close(): void {
    this.size = 0;
  }
}

export const plain = { add: (a: number, b: number): number => a + b, init: (): void => undefined, _hidden: (): void => undefined };

// Actions keep their parameters; sync and async resolve to the awaited result; generators stream.
{
  type P = DirtyAppProxy<typeof Thumbnailer>;
  expectTypeOf<ActionName<typeof Thumbnailer>>().toEqualTypeOf<'resize' | 'describe' | 'tiles' | 'caption' | 'fail'>();
  expectTypeOf<P['fail']>().toEqualTypeOf<() => Promise<never>>();
  expectTypeOf<P['resize']>().toEqualTypeOf<(image: Uint8Array, width: number) => Promise<Uint8Array>>();
  expectTypeOf<P['describe']>().toEqualTypeOf<(image: Uint8Array) => Promise<{ bytes: number }>>();
  expectTypeOf<P['tiles']>().toEqualTypeOf<(n: number) => AsyncIterableIterator<number>>();
  expectTypeOf<P['caption']>().parameters.toEqualTypeOf<[image: Uint8Array, opts?: { lang: string }]>();
  expectTypeOf<P['caption']>().returns.toEqualTypeOf<AsyncIterableIterator<string>>();
  expectTypeOf<P>().not.toHaveProperty('init');
  expectTypeOf<P>().not.toHaveProperty('close');
  expectTypeOf<P>().not.toHaveProperty('_private');
  expectTypeOf<P>().not.toHaveProperty('size');
  expectTypeOf<P>().not.toHaveProperty('constructor');
  // A plain-object app.
  type O = DirtyAppProxy<typeof plain>;
  expectTypeOf<O>().toEqualTypeOf<{ readonly add: (a: number, b: number) => Promise<number> }>();
}

// execute, call and stream take the result type; without one it is unknown.
{
  expectTypeOf<DirtyClient['execute']>().returns.toEqualTypeOf<Promise<unknown>>();
  type C = DirtyClient;
  const c = {} as C;
  expectTypeOf(c.execute<number>).returns.toEqualTypeOf<Promise<number>>();
  expectTypeOf<ReturnType<typeof c.execute<number>>>().toEqualTypeOf<Promise<number>>();
  expectTypeOf<ReturnType<typeof c.call<string>>>().toEqualTypeOf<Promise<string>>();
  expectTypeOf<ReturnType<typeof c.stream<Uint8Array>>>().toEqualTypeOf<AsyncIterableIterator<Uint8Array>>();
  expectTypeOf<ReturnType<typeof c.app<typeof Thumbnailer>>>().toEqualTypeOf<DirtyAppProxy<typeof Thumbnailer>>();
  // @ts-expect-error -- a wrong argument type is a compile error
  expectTypeOf<DirtyAppProxy<typeof Thumbnailer>['resize']>().toBeCallableWith('not bytes', 1);
}
