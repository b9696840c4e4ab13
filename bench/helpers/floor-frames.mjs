// The honest floor's framing: [u32 payload length][u32 id][payload], big-endian. What a careful
// transport pays and no more:
// - reading: a frame inside one read chunk is handed on as (chunk, start, end), no copy, no view;
//   a frame spanning reads as the list of its pieces (views, no copy), or, for a reader that wants one
//   buffer (assemblingReads), read straight into a buffer of its size. Nothing is ever copied twice.
// - writing: every frame of one tick goes into one slab (small payloads copied once, large ones
//   referenced) and leaves in ONE socket write when the tick ends: one syscall per socket per tick.
// No validation: this is the floor, not a protocol.
import { Buffer } from 'node:buffer';
import { connect } from 'node:net';

export const HEADER = 8;
const SLAB = 64 * 1024;
/** Payloads above this are referenced (one more iovec in the same writev), not copied. */
const COPY_MAX = 16 * 1024;

/**
 * Returns push(chunk); calls onFrame(id, buf, start, end, pieces) for every complete frame, in order:
 * pieces === null: the payload is buf[start, end); else it is the concatenation of `pieces` (end = its length).
 * With `assemble` (for a reader that needs each payload as one buffer: the client), a payload that spans
 * reads goes into one buffer of its size instead (pieces is always null), and push.into() is the part
 * of it still missing: the socket can read straight into it and report the bytes with push.wrote(n).
 */
export function frameReader(onFrame, assemble = false, alloc = allocPayload) {
  const hdr = Buffer.alloc(HEADER);
  let hdrFill = 0; // bytes of a header that spans reads
  let need = 0; // payload bytes still missing of a frame that spans reads
  let pieces = null;
  let target = null; // with `assemble`: the payload of a frame that spans reads, `filled` bytes in
  let filled = 0;
  let id = 0;
  let total = 0;

  const wrote = (k) => {
    filled += k;
    need -= k;
    if (need > 0) return;
    const t = target;
    target = null;
    onFrame(id, t, 0, total, null);
  };

  const push = (chunk) => {
    const n = chunk.length;
    let at = 0;
    if (target !== null) {
      at = Math.min(need, n);
      chunk.copy(target, filled, 0, at);
      wrote(at);
      if (target !== null) return;
    } else if (pieces !== null) {
      const k = Math.min(need, n);
      pieces.push(k === n ? chunk : chunk.subarray(0, k));
      need -= k;
      at = k;
      if (need > 0) return;
      const p = pieces;
      pieces = null;
      onFrame(id, null, 0, total, p);
    }
    while (at < n) {
      let len;
      if (hdrFill > 0 || n - at < HEADER) {
        const k = Math.min(HEADER - hdrFill, n - at);
        chunk.copy(hdr, hdrFill, at, at + k);
        hdrFill += k;
        at += k;
        if (hdrFill < HEADER) return;
        hdrFill = 0;
        len = hdr.readUInt32BE(0);
        id = hdr.readUInt32BE(4);
      } else {
        len = chunk.readUInt32BE(at);
        id = chunk.readUInt32BE(at + 4);
        at += HEADER;
      }
      if (n - at >= len) {
        onFrame(id, chunk, at, at + len, null);
        at += len;
        continue;
      }
      total = len;
      need = len - (n - at);
      if (assemble) {
        target = alloc(len);
        filled = chunk.copy(target, 0, at, n);
      } else pieces = at < n ? [chunk.subarray(at)] : [];
      return;
    }
  };
  /** The missing part of the payload being assembled (a view of it), or null. */
  push.into = () => (target === null ? null : target.subarray(filled, filled + need));
  /** `k` bytes (at most what push.into() is long) were read straight into push.into(). */
  push.wrote = wrote;
  return push;
}

function allocPayload(n) {
  return Buffer.allocUnsafe(n);
}

/**
 * Payload buffers of the relay and the echo processes, used again once written: they hand no payload
 * to an app, so a 1 MiB frame costs them no allocation (and no page faults of a fresh 1 MiB) after
 * the first few. take(n) is a buffer of exactly n bytes; doneWith(buf) gives it back when the write
 * that carried it is done (TickOut.frame's `done`). Up to 8 buffers of a size are kept.
 */
export class PayloadPool {
  #free = new Map();
  #mine = new WeakSet();

  take = (n) => {
    const buf = this.#free.get(n)?.pop();
    if (buf !== undefined) return buf;
    const fresh = Buffer.allocUnsafe(n);
    this.#mine.add(fresh);
    return fresh;
  };

  /** What to pass as TickOut.frame's `done` for a frame whose payload is in `buf`: gives it back if it is one of this pool's. */
  doneWith(buf) {
    if (!this.#mine.has(buf)) return undefined;
    return () => {
      const list = this.#free.get(buf.length);
      if (list === undefined) this.#free.set(buf.length, [buf]);
      else if (list.length < 8) list.push(buf);
    };
  }
}

/** Reads that assemble nothing go into the free tail of a slab of this size ... */
const SLAB_READ = 64 * 1024;
/** ... while at least this much of it is free; then a new slab. */
const MIN_READ = 16 * 1024;

/**
 * net's `onread` option for a connection whose frames go to frameReader(onFrame, true): the rest of a
 * payload that spans reads is read straight into the buffer that will hold it (the kernel's copy is
 * the only one, and no list of read chunks is kept or joined). Other reads go into the free tail of
 * a shared slab: no 64 KiB buffer per read (a small answer held a whole one, and the garbage
 * collector paid for it), and no byte of the slab is read into twice, so the views handed out stay
 * valid. `directReads` counts the reads that went straight into a payload.
 */
export function assemblingReads(onFrame, alloc = allocPayload) {
  const push = frameReader(onFrame, true, alloc);
  let direct = false; // the read in progress goes straight into the payload being assembled
  let slab = Buffer.allocUnsafe(SLAB_READ);
  let used = 0;
  const reads = {
    directReads: 0,
    buffer: () => {
      const into = push.into();
      direct = into !== null && into.length >= SLAB_READ; // a short rest is not worth a read of its own
      if (direct) return into;
      if (slab.length - used < MIN_READ) {
        slab = Buffer.allocUnsafe(SLAB_READ);
        used = 0;
      }
      return slab.subarray(used);
    },
    callback: (n, buf) => {
      if (direct) {
        reads.directReads++;
        push.wrote(n);
        return;
      }
      used += n;
      push(buf.subarray(0, n));
    },
  };
  return reads;
}

/**
 * Frames for one socket, written once per tick (process.nextTick after the first frame of the tick),
 * or with `perTurn` once per turn of the event loop (setImmediate): a relay that reads many sockets in
 * one turn then writes to each once, as the arbiter does.
 */
export class TickOut {
  #socket;
  #slab = Buffer.allocUnsafe(SLAB);
  #start = 0;
  #pos = 0;
  #out = [];
  #scheduled = false;
  #flushBound = () => this.flush();
  #schedule;

  constructor(socket, perTurn = false) {
    this.#socket = socket;
    this.#schedule = perTurn ? setImmediate : process.nextTick;
  }

  #done = [];

  /** Queues one frame: payload buf[start, end), or `pieces` when not null; `done()` runs once it is written. */
  frame(id, buf, start, end, pieces, done) {
    if (done !== undefined) this.#done.push(done);
    const len = pieces === null ? end - start : end;
    const big = len > COPY_MAX;
    const at = this.#reserve(big ? HEADER : HEADER + len);
    const slab = this.#slab;
    slab.writeUInt32BE(len, at);
    slab.writeUInt32BE(id, at + 4);
    this.#pos = at + HEADER;
    if (big) {
      this.#cut();
      if (pieces === null) this.#out.push(buf.subarray(start, end));
      else for (const p of pieces) this.#out.push(p);
    } else if (pieces === null) {
      this.#pos += buf.copy(slab, this.#pos, start, end);
    } else {
      for (const p of pieces) this.#pos += p.copy(slab, this.#pos);
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#schedule(this.#flushBound);
    }
  }

  flush() {
    this.#scheduled = false;
    this.#cut();
    const out = this.#out;
    if (out.length === 0) return;
    this.#out = [];
    const s = this.#socket;
    if (s.destroyed) return;
    const done = this.#done;
    let written;
    if (done.length > 0) {
      this.#done = [];
      written = () => {
        for (const d of done) d();
      };
    }
    if (out.length === 1) {
      s.write(out[0], written);
      return;
    }
    s.cork();
    for (let i = 0; i < out.length; i++) s.write(out[i], i === out.length - 1 ? written : undefined);
    s.uncork();
  }

  #reserve(n) {
    if (this.#slab.length - this.#pos < n) {
      this.#cut();
      this.#slab = Buffer.allocUnsafe(Math.max(n, SLAB));
      this.#start = this.#pos = 0;
    }
    return this.#pos;
  }

  #cut() {
    if (this.#pos === this.#start) return;
    this.#out.push(this.#slab.subarray(this.#start, this.#pos));
    this.#start = this.#pos;
  }
}

/** The payload of a frame as one Buffer: a view when it came in one read, else its pieces copied once. */
export function payloadOf(buf, start, end, pieces) {
  if (pieces === null) return buf.subarray(start, end);
  return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, end);
}

/**
 * Calls in flight by id, for ids handed out in sequence: a power-of-two array indexed by the id's low
 * bits, doubled when a slot is still taken (no Map whose entries come and go in waves).
 */
export class IdRing {
  #ids = new Array(1024).fill(-1);
  #values = new Array(1024).fill(undefined);
  #mask = 1023;

  set(id, value) {
    while (this.#ids[id & this.#mask] !== -1) this.#grow();
    this.#ids[id & this.#mask] = id;
    this.#values[id & this.#mask] = value;
  }

  /** The value of `id`, removed; undefined when there is none. */
  take(id) {
    const i = id & this.#mask;
    if (this.#ids[i] !== id) return undefined;
    const value = this.#values[i];
    this.#ids[i] = -1;
    this.#values[i] = undefined;
    return value;
  }

  #grow() {
    const ids = this.#ids;
    const values = this.#values;
    for (;;) {
      const size = (this.#mask + 1) * 2;
      const mask = size - 1;
      const nextIds = new Array(size).fill(-1);
      const nextValues = new Array(size).fill(undefined);
      let clash = false;
      for (let i = 0; i < ids.length && !clash; i++) {
        if (ids[i] === -1) continue;
        const j = ids[i] & mask;
        if (nextIds[j] !== -1) clash = true;
        nextIds[j] = ids[i];
        nextValues[j] = values[i];
      }
      this.#mask = mask;
      if (clash) continue;
      this.#ids = nextIds;
      this.#values = nextValues;
      return;
    }
  }
}

/**
 * Feeds: net offers `onread` only on sockets a process connects itself, so that every reader of the
 * floor reads straight into its buffers, a sender gets a second connection for what it sends: it
 * listens on a feed socket and says so with a hello frame (id 0, payload the feed's path) on the
 * connection it made; the peer connects to the feed, reads there with `onread` (feedFrom), and
 * answers on the first connection. The peer's first bytes on the feed are a header-only frame whose
 * id is `index` (the relay tells its echo processes apart by it; a client ignores it).
 */
export function feedHello(feedPath) {
  const hello = Buffer.from(`\0\0\0\0\0\0\0\0${feedPath}`);
  hello.writeUInt32BE(hello.length - HEADER, 0);
  return hello;
}

/** The path of a hello frame's payload. */
export function helloPath(buf, start, end, pieces) {
  return (pieces === null ? buf.subarray(start, end) : Buffer.concat(pieces)).toString();
}

/** Connects to the feed at `path`, reads its frames with assemblingReads into `onFrame`, and says `index`. */
export function feedFrom(path, index, onFrame, alloc = allocPayload) {
  const socket = connect({ path, onread: assemblingReads(onFrame, alloc) });
  const hi = Buffer.alloc(HEADER);
  hi.writeUInt32BE(index, 4);
  socket.write(hi);
  return socket;
}
