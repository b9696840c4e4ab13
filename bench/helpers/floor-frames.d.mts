// Types of floor-frames.mjs (the honest floor's framing), for the TypeScript bench and its test.
import type { Buffer } from 'node:buffer';

export declare const HEADER: 8;
export type OnFrame = (id: number, buf: Buffer | null, start: number, end: number, pieces: Buffer[] | null) => void;
export interface FramePush {
  (chunk: Buffer): void;
  /** With `assemble`: the missing part of the payload being assembled, or null. */
  into(): Buffer | null;
  /** With `assemble`: `n` bytes were read straight into into(). */
  wrote(n: number): void;
}
export declare function frameReader(onFrame: OnFrame, assemble?: boolean): FramePush;
/** net's `onread` option: each payload that spans reads is read straight into one buffer of its size. */
export declare function assemblingReads(onFrame: (id: number, buf: Buffer, start: number, end: number) => void): {
  directReads: number;
  buffer: () => Buffer;
  callback: (n: number, buf: Buffer) => void;
};
export interface WritableLike {
  readonly destroyed: boolean;
  write(chunk: Buffer): unknown;
  cork(): void;
  uncork(): void;
}
export declare class TickOut {
  constructor(socket: WritableLike, perTurn?: boolean);
  frame(id: number, buf: Buffer | null, start: number, end: number, pieces: Buffer[] | null): void;
  flush(): void;
}
export declare function payloadOf(buf: Buffer | null, start: number, end: number, pieces: Buffer[] | null): Buffer;
export declare class IdRing<T> {
  set(id: number, value: T): void;
  take(id: number): T | undefined;
}
