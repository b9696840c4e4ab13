// A FrameSink for Executor unit tests: every frame the executor writes is encoded into its own
// FrameBatch and decoded at once into `frames`, so a test reads what a worker would have sent.
import { Buffer } from 'node:buffer';
import type { FrameSink } from '../../src/worker/executor.js';
import { FrameBatch } from '../../src/protocol/frame-batch.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import type { Frame } from '../../src/protocol/frame.js';

export function decodingSink(frames: Frame[]): FrameSink {
  const decoder = new FrameDecoder();
  const collect = (write: (b: FrameBatch) => void): undefined => {
    const b = new FrameBatch();
    write(b);
    frames.push(...decoder.push(Buffer.concat(b.take())));
    return undefined;
  };
  return {
    fields: (type, id, keys, values) => collect((b) => b.fields(type, id, keys, values)),
    message: (type, id, value, path) => collect((b) => b.message(type, id, value, path)),
  };
}
