// Shell-style globs with Python `fnmatch.fnmatchcase` semantics (what gunicorn's stash `keys(pattern)` uses):
// `*`, `?`, `[seq]`, `[!seq]`, everything else literal, whole-string match, no escape character.
// Pure, and bounded: no regular expression, no backtracking. Matching a text of n code points against a
// pattern of m costs at most (n + 1) * (m + 1) steps, counted in `Glob.steps` so a caller can budget a scan.

/** One single-character matcher: a code point, any character, or a class (inclusive ranges, maybe negated). */
type Atom =
  | { readonly kind: 'cp'; readonly cp: number }
  | { readonly kind: 'any' }
  | { readonly kind: 'set'; readonly ranges: readonly number[]; readonly negated: boolean };
type Token = Atom | { readonly kind: 'star' };

const ANY: Atom = { kind: 'any' };
const NOTHING: Atom = { kind: 'set', ranges: [], negated: false };

/**
 * A class from the code points between `[` (after `!`) and `]`, the way CPython's fnmatch reads it:
 * a `-` splits the body into chunks; the last code point of one chunk and the first of the next form a
 * range; the first code point is never a separator, and the search for the next one starts two code
 * points after a separator; a trailing `-` is literal; reversed ranges such as `z-a` are dropped.
 */
function classAtom(body: readonly number[], negated: boolean): Atom {
  const HYPHEN = 0x2d;
  const chunks: number[][] = [];
  let start = 0;
  for (let k = body.indexOf(HYPHEN, 1); k !== -1; k = body.indexOf(HYPHEN, k + 3)) {
    chunks.push(body.slice(start, k));
    start = k + 1;
  }
  const tail = body.slice(start);
  if (tail.length > 0) chunks.push(tail);
  else if (chunks.length > 0) chunks[chunks.length - 1]?.push(HYPHEN);
  for (let k = chunks.length - 1; k > 0; k--) {
    const prev = chunks[k - 1] ?? [];
    const next = chunks[k] ?? [];
    if ((prev.at(-1) ?? 0) > (next[0] ?? 0)) {
      chunks[k - 1] = [...prev.slice(0, -1), ...next.slice(1)];
      chunks.splice(k, 1);
    }
  }
  const ranges: number[] = [];
  chunks.forEach((chunk, index) => {
    // The last code point of the previous chunk and the first of this one bound a range.
    if (index > 0) ranges.push(chunks[index - 1]?.at(-1) ?? 0, chunk[0] ?? 0);
    for (const cp of chunk) ranges.push(cp, cp);
  });
  if (ranges.length === 0) return negated ? ANY : NOTHING;
  return { kind: 'set', ranges, negated };
}

function tokenize(cps: readonly number[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < cps.length) {
    const cp = cps[i++] ?? 0;
    if (cp === 0x2a /* * */) {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (cp === 0x3f /* ? */) {
      tokens.push(ANY);
    } else if (cp === 0x5b /* [ */) {
      let j = i;
      const negated = cps[j] === 0x21; /* ! */
      if (negated) j++;
      if (cps[j] === 0x5d /* ] */) j++;
      while (j < cps.length && cps[j] !== 0x5d) j++;
      if (j >= cps.length) {
        tokens.push({ kind: 'cp', cp }); // an unclosed `[` is literal
      } else {
        tokens.push(classAtom(cps.slice(negated ? i + 1 : i, j), negated));
        i = j + 1;
      }
    } else {
      tokens.push({ kind: 'cp', cp });
    }
  }
  return tokens;
}

/** The code points of `text` (a surrogate pair is one code point, as in Python's str). */
function codePoints(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i) ?? 0;
    out.push(cp);
    if (cp > 0xffff) i++;
  }
  return out;
}

/**
 * A compiled glob. The pattern is split at its stars into fixed-length segments: the first must match at
 * the start, the last at the end, and each one between is taken at its leftmost place after the one
 * before (leftmost leaves the most room for the rest, so this decides the match without backtracking).
 * @example compileGlob('user:*').test('user:42') // true
 */
export class Glob {
  readonly #segments: readonly (readonly Atom[])[];
  readonly #hasStar: boolean;
  /** Atom comparisons made by every `test` so far (a class counts one per range it looks at). */
  steps = 0;

  constructor(pattern: string) {
    const segments: Atom[][] = [[]];
    for (const token of tokenize(codePoints(pattern))) {
      if (token.kind === 'star') segments.push([]);
      else segments.at(-1)?.push(token);
    }
    this.#segments = segments;
    this.#hasStar = segments.length > 1;
  }

  /** True when the whole of `text` matches (case-sensitive, like fnmatch on POSIX). */
  test(text: string): boolean {
    const t = codePoints(text);
    const n = t.length;
    this.steps += n + 1;
    const segs = this.#segments;
    const first = segs[0] ?? [];
    if (!this.#hasStar) return n === first.length && this.#at(first, t, 0);
    const last = segs.at(-1) ?? [];
    const end = n - last.length;
    if (end < first.length || !this.#at(first, t, 0) || !this.#at(last, t, end)) return false;
    let pos = first.length;
    for (let s = 1; s < segs.length - 1; s++) {
      const seg = segs[s] ?? [];
      let found = -1;
      for (let i = pos; i + seg.length <= end && found < 0; i++) if (this.#at(seg, t, i)) found = i;
      if (found < 0) return false;
      pos = found + seg.length;
    }
    return true;
  }

  /** Whether `seg` matches `t` at `at` (the caller checked that it fits). */
  #at(seg: readonly Atom[], t: readonly number[], at: number): boolean {
    for (let k = 0; k < seg.length; k++) {
      const atom = seg[k] as Atom;
      const cp = t[at + k] ?? -1;
      this.steps++;
      if (atom.kind === 'cp') {
        if (atom.cp !== cp) return false;
      } else if (atom.kind === 'set' && this.#inSet(atom.ranges, cp) === atom.negated) {
        return false;
      }
    }
    return true;
  }

  #inSet(ranges: readonly number[], cp: number): boolean {
    for (let r = 0; r < ranges.length; r += 2) {
      // A class of c code points has at most c ranges, so its cost stays within the pattern's length.
      if (r > 0) this.steps++;
      if (cp >= (ranges[r] ?? 0) && cp <= (ranges[r + 1] ?? -1)) return true;
    }
    return false;
  }
}

export function compileGlob(pattern: string): Glob {
  return new Glob(pattern);
}

/** True when the whole of `text` matches the glob `pattern` (case-sensitive, like fnmatch on POSIX). */
export function matchGlob(pattern: string, text: string): boolean {
  return new Glob(pattern).test(text);
}
