// A rolling reload: old workers are replaced one at a time; each old worker is retired only once
// its replacement (same apps, fresh code) is ready, so limited apps never drop below their limit.
import { appSetKey } from '../core/allocation.js';

interface OldWorker {
  readonly id: number;
  readonly apps: readonly string[];
}

export type ReloadStep =
  | { readonly kind: 'spawn'; readonly apps: readonly string[] }
  | { readonly kind: 'retire'; readonly id: number }
  | { readonly kind: 'wait' }
  | { readonly kind: 'done'; readonly replaced: number };

export class RollingReload {
  readonly #old: OldWorker[];
  #current: { readonly oldId: number; readonly key: string; readonly apps: readonly string[]; replacementId: number | null } | null = null;
  #replaced = 0;
  total: number;

  constructor(old: readonly OldWorker[]) {
    this.#old = [...old];
    this.total = old.length;
  }

  /** Adds one more worker to replace (e.g. over its memory limit); false if already queued. */
  add(w: OldWorker): boolean {
    if (this.#current?.oldId === w.id || this.#old.some((o) => o.id === w.id)) return false;
    this.#old.push(w);
    this.total++;
    return true;
  }

  get replaced(): number {
    return this.#replaced;
  }

  /** One extra worker while a replacement is under way (the surge that keeps capacity). */
  get surge(): number {
    return 1;
  }

  /**
   * Next step given which workers are still alive and not retiring: spawn the next replacement,
   * wait for the current one, or done. Old workers that left meanwhile (scale-down, crash) are skipped.
   */
  step(alive: (id: number) => boolean, allowed: ReadonlySet<string>): ReloadStep {
    const c = this.#current;
    // A replacement retired meanwhile (a scale-down picks the newest) must be spawned again,
    // or the reload would wait for it forever while holding one surge worker.
    if (c && c.replacementId !== null && !alive(c.replacementId)) c.replacementId = null;
    if (c && alive(c.oldId)) return c.replacementId === null ? { kind: 'spawn', apps: c.apps } : { kind: 'wait' };
    this.#current = null;
    for (let next = this.#old.shift(); next; next = this.#old.shift()) {
      if (!alive(next.id)) continue;
      const apps = next.apps.filter((a) => allowed.has(a));
      if (apps.length === 0) return { kind: 'retire', id: next.id }; // none of its apps is configured any more
      this.#current = { oldId: next.id, key: appSetKey(apps), apps, replacementId: null };
      return { kind: 'spawn', apps };
    }
    return { kind: 'done', replaced: this.#replaced };
  }

  /**
   * The old worker awaiting a replacement, when none is starting yet; `drop()` gives it up (the
   * pool retires it instead, see Pool#advanceReload).
   */
  get awaiting(): number | null {
    const c = this.#current;
    return c && c.replacementId === null ? c.oldId : null;
  }

  drop(): void {
    this.#current = null;
  }

  /** Tags a freshly spawned worker as the replacement when its apps match. */
  claim(workerId: number, apps: readonly string[]): void {
    const c = this.#current;
    if (c && c.replacementId === null && appSetKey(apps) === c.key) c.replacementId = workerId;
  }

  /** The old worker to retire now that `workerId` is ready, if it was a replacement. */
  onReady(workerId: number): number | null {
    const c = this.#current;
    if (!c || c.replacementId !== workerId) return null;
    this.#replaced++;
    return c.oldId;
  }

  /** True when the worker that died was the pending replacement (the new code does not boot). */
  isReplacement(workerId: number): boolean {
    return this.#current?.replacementId === workerId;
  }
}
