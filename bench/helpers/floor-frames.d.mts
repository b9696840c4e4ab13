// Types of floor-frames.mjs (the honest floor's framing), for the TypeScript bench and its test.
import type { Buffer } from 'node:buffer';

export declare const HEADER: 8;
export type OnFrame = (id: number, buf: Buffer | null, start: number, end: number, pieces: Buffer[] | null) => void;
export declare function frameReader(onFrame: OnFrame): (chunk: Buffer) => void;
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
