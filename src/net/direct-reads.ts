// Reads for a socket whose frames its owner needs each as one buffer (the client's answers, the
// worker's requests): net's `onread` option. While a payload that spans reads is being assembled
// (FrameDecoder.into()), the socket reads straight into the rest of its buffer, so a 1 MiB answer
// costs one buffer and the kernel's copy, not 17 fresh 64 KiB read buffers plus a copy of each.
// Every other read goes into the free tail of the socket's 64 KiB slab instead of a fresh 64 KiB buffer
// per read; no region of a slab is read into twice, so views of it stay valid (the FrameDecoder may
// keep a partial frame, a decoded bytes value may be a view), and, as with Node's own Buffer pool, a
// view kept holds its slab. net offers `onread` only on sockets a process makes itself (connect, or
// `new Socket({ fd })`), not on those a server accepts: the arbiter reads with 'data' events.
import { Buffer } from 'node:buffer';
import type { OnReadOpts } from 'node:net';

/** Where the reads of one socket go. */
export interface ReadSink {
  /** The missing part of the payload being assembled, or null (FrameDecoder.into). */
  into(): Buffer | null;
  /** `n` bytes were read straight into into(). */
  wrote(n: number): void;
  /** A chunk read into the slab. */
  chunk(chunk: Buffer): void;
}

const SLAB_BYTES = 64 * 1024;
/** A slab with less than this free is left to the views taken of it; reads go into a new one. */
const MIN_SLAB_READ = 16 * 1024;
/** A missing part shorter than this is read into the slab and copied: not worth reads of its own. */
const MIN_DIRECT_READ = 64 * 1024;

/**
 * The `onread` option for a socket whose reads go to `sink()` (a function: the socket asks for its first
 * buffer while it is being made, before its owner may exist; until then reads go into the slab, unused).
 * net asks for the buffer of the next read right after each read (and once at the start), so the
 * buffer and the read it gets always pair up. The slab is the socket's own: net prepares the next
 * read's buffer in advance, so a slab shared by two sockets would hand them the same free tail.
 */
export function directReads(sink: () => ReadSink | undefined): OnReadOpts {
  let slab = Buffer.allocUnsafe(SLAB_BYTES);
  let used = 0;
  let direct = false;
  return {
    buffer: (): Buffer => {
      const into = sink()?.into() ?? null;
      direct = into !== null && into.length >= MIN_DIRECT_READ;
      if (direct) return into as Buffer;
      if (SLAB_BYTES - used < MIN_SLAB_READ) {
        slab = Buffer.allocUnsafe(SLAB_BYTES);
        used = 0;
      }
      return slab.subarray(used);
    },
    callback: (n: number, buf: Uint8Array): boolean => {
      if (direct) {
        sink()?.wrote(n);
      } else {
        used += n;
        sink()?.chunk((buf as Buffer).subarray(0, n));
      }
      return true;
    },
  };
}
