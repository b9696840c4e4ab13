// Types of floor-client.mjs (the honest floor's client), for the TypeScript bench.
import type { Buffer } from 'node:buffer';

export declare class FloorClient {
  static connect(path: string): Promise<FloorClient>;
  call(payload: Buffer): Promise<Buffer>;
  close(): void;
}
