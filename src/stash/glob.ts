// Shell-style globs with Python `fnmatch.fnmatchcase` semantics (what gunicorn's stash `keys(pattern)` uses):
// `*`, `?`, `[seq]`, `[!seq]`, everything else literal, whole-string match, no escape character.
// Pure: the pattern is compiled to a RegExp that cannot backtrack catastrophically.

/** One single-character matcher: a code point, a set (class) or any character. */
type Atom = { readonly kind: 'any' } | { readonly kind: 'set'; readonly source: string };
type Token = Atom | { readonly kind: 'star' };

const ANY: Atom = { kind: 'any' };

function escapeCodePoint(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function literal(cp: number): Atom {
  return { kind: 'set', source: escapeCodePoint(cp) };
}

/**
 * Builds a character class from the code points between `[` (after `!`) and `]`, the way CPython's
 * fnmatch does: a `-` splits the body into chunks; the last code point of one chunk and the first of
 * the next form a range; the first code point is never a separator and the code point right after a
 * separator cannot start another one; a trailing `-` is literal; reversed ranges such as `z-a` are dropped.
 */
function classAtom(body: readonly number[], negated: boolean): Atom {
  const HYPHEN = 0x2d;
  const chunks: number[][] = [];
  let start = 0;
  for (let k = body.indexOf(HYPHEN, 1); k !== -1; k = body.indexOf(HYPHEN, k + 2)) {
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
  let source = '';
  chunks.forEach((chunk, index) => {
    chunk.forEach((cp, position) => {
      // The first code point of every chunk but the first closes a range.
      source += index > 0 && position === 0 ? `-${escapeCodePoint(cp)}` : escapeCodePoint(cp);
    });
  });
  if (source === '') return negated ? ANY : { kind: 'set', source: '(?!)' };
  return { kind: 'set', source: `[${negated ? '^' : ''}${source}]` };
}

function tokenize(pattern: string): Token[] {
  const cps = Array.from(pattern, (ch) => ch.codePointAt(0) ?? 0);
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
        tokens.push(literal(cp)); // an unclosed `[` is literal
      } else {
        tokens.push(classAtom(cps.slice(negated ? i + 1 : i, j), negated));
        i = j + 1;
      }
    } else {
      tokens.push(literal(cp));
    }
  }
  return tokens;
}

function atomSource(atom: Atom): string {
  return atom.kind === 'any' ? '.' : atom.source;
}

/**
 * Compiles a glob to an anchored RegExp (flags `su`: `?` and `*` match any code point, newlines included).
 * Each interior `*fixed` becomes an emulated atomic group `(?=([^]*?fixed))\N`, as CPython does with
 * `(?>.*?fixed)`, so matching stays polynomial whatever the pattern.
 * @example globToRegExp('user:*').test('user:42') // true
 */
export function globToRegExp(pattern: string): RegExp {
  const tokens = tokenize(pattern);
  let source = '';
  let i = 0;
  while (i < tokens.length && tokens[i]?.kind !== 'star') source += atomSource(tokens[i++] as Atom);
  let group = 0;
  while (i < tokens.length) {
    i++; // skip the star
    let fixed = '';
    while (i < tokens.length && tokens[i]?.kind !== 'star') fixed += atomSource(tokens[i++] as Atom);
    if (i >= tokens.length) {
      source += `.*${fixed}`;
    } else {
      group++;
      source += `(?=(.*?${fixed}))\\${group}`;
    }
  }
  return new RegExp(`^(?:${source})$`, 'su');
}

/** True when the whole of `text` matches the glob `pattern` (case-sensitive, like fnmatch on POSIX). */
export function matchGlob(pattern: string, text: string): boolean {
  return globToRegExp(pattern).test(text);
}
