// Remembered scale (persistTarget): the runtime target kept in $PM2_HOME/dirty/target.json,
// keyed by socket path, written atomically (temp file + rename), read back at start.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

type Saved = Record<string, { target: number; savedAt: string }>;

export class TargetStore {
  readonly path: string;
  readonly #key: string;
  #chain: Promise<void> = Promise.resolve();

  constructor(path: string, socketPath: string) {
    this.path = path;
    this.#key = socketPath;
  }

  async #readAll(): Promise<Saved> {
    return JSON.parse(await readFile(this.path, 'utf8')) as Saved;
  }

  /** The saved target, or a reason why there is none usable (missing, unreadable, out of bounds). */
  async load(minimum: number, maximum: number): Promise<{ target: number } | { warning: string } | null> {
    let all: Saved;
    try {
      all = await this.#readAll();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      return { warning: `ignoring ${this.path}: ${(err as Error).message}` };
    }
    const entry = all[this.#key];
    if (entry === undefined) return null;
    const t = entry.target;
    if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < minimum || t > maximum) {
      return { warning: `ignoring the remembered target ${JSON.stringify(t)} in ${this.path}: outside [${minimum}, ${maximum}]` };
    }
    return { target: t };
  }

  /** Saves `target` (writes are serialised; the last one wins). */
  save(target: number): Promise<void> {
    this.#chain = this.#chain.then(() => this.#write(target)).catch(() => undefined);
    return this.#chain;
  }

  async #write(target: number): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const all: Saved = await this.#readAll().catch((): Saved => ({}));
    all[this.#key] = { target, savedAt: new Date().toISOString() };
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, this.path);
  }
}
