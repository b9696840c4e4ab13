// Types of floor-frames.mjs (the raw relay's framing), for the TypeScript floor client.
import type { Buffer } from 'node:buffer';

export declare const HEADER: 8;
export declare function frameReader(onFrame: (id: number, payload: Buffer) => void): (chunk: Buffer) => void;
export declare function header(id: number, length: number): Buffer;
