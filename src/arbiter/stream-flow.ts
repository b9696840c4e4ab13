// Per-stream credit between a worker and a client (the CREDIT extension, docs/protocol.md). The
// arbiter always reads every worker channel: a stream whose reader is slow stops only its own
// generator (it runs out of credit), never the worker's other calls or the other streams.
// - A client that speaks CREDIT: its grants pass on to the worker (RelayWindow).
// - A client that does not (a stock gunicorn client): the worker gets credit back as the client's
//   socket accepts the chunks; while that socket is congested, its streams wait for 'drain'.
// A stream left with a full window starts its stall deadline; any grant clears it.
import { RelayWindow } from '../core/stream-window.js';
import { writeCredit } from '../protocol/messages.js';
import type { CallDeadlines } from './call-deadlines.js';
import type { PoolWorker } from './pool-types.js';
import type { Call } from './router-types.js';

export class StreamFlow {
  readonly #deadlines: CallDeadlines;
  readonly #isLive: (call: Call) => boolean;

  constructor(deadlines: CallDeadlines, isLive: (call: Call) => boolean) {
    this.#deadlines = deadlines;
    this.#isLive = isLive;
  }

  /** A CHUNK of `call` from `w` was relayed to its client. */
  relayed(call: Call, w: PoolWorker): void {
    const win = (call.window ??= new RelayWindow());
    win.relay();
    if (!win.windowed && !call.peer.congested) win.accepted();
    this.#settle(call, w);
  }

  /** CREDIT from the call's client (which thereby reads this stream by windows). */
  credit(call: Call, n: number): void {
    (call.window ??= new RelayWindow()).credit(n);
    if (call.worker && call.window.relayed > 0) this.#settle(call, call.worker);
  }

  #settle(call: Call, w: PoolWorker): void {
    const win = call.window;
    if (!win) return;
    const grant = win.grant();
    if (grant > 0) {
      if (!w.process.exited) void writeCredit(w.process.channel, BigInt(call.wid), grant);
      this.#deadlines.flowing(call);
      return;
    }
    if (!win.exhausted) return;
    this.#deadlines.stalled(call);
    if (win.windowed || call.awaitingDrain === true) return;
    call.awaitingDrain = true;
    call.peer.onceDrained(() => {
      call.awaitingDrain = false;
      if (!this.#isLive(call) || call.worker !== w) return;
      win.accepted();
      this.#settle(call, w);
    });
  }
}
