// Glob semantics of the stash `keys(pattern)` filter: Python's fnmatch.fnmatchcase, case by case.
// Every expected value below was produced by CPython 3.11's fnmatch.fnmatchcase(text, pattern).

import test from 'ava';
import { compileGlob, matchGlob } from '../../src/stash/glob.js';

const CASES: readonly (readonly [pattern: string, text: string, expected: boolean])[] = [
  ['user:*', 'user:42', true],
  ['user:*', 'user:', true],
  ['user:*', 'users:1', false],
  ['user:*', 'xuser:1', false],
  ['*', '', true],
  ['*', 'anything\nwith newline', true],
  ['?', 'a', true],
  ['?', '', false],
  ['?', 'ab', false],
  ['?', '\n', true],
  ['?', 'é', true],
  ['?', '😀', true],
  ['a?c', 'abc', true],
  ['a?c', 'ac', false],
  ['*.txt', 'notes.txt', true],
  ['*.txt', 'notes_txt', false],
  ['a.b', 'a.b', true],
  ['a.b', 'axb', false],
  ['a+b', 'a+b', true],
  ['a+b', 'aab', false],
  ['(x)|y', '(x)|y', true],
  ['(x)|y', 'x', false],
  ['^$', '^$', true],
  ['a{2}', 'a{2}', true],
  ['a{2}', 'aa', false],
  ['\\d', '\\d', true],
  ['\\d', '1', false],
  ['/x/', '/x/', true],
  ['[abc]', 'b', true],
  ['[abc]', 'd', false],
  ['[!abc]', 'd', true],
  ['[!abc]', 'a', false],
  ['[a-c]', 'b', true],
  ['[a-c]', '-', false],
  ['[!a-c]', 'z', true],
  ['[^a]', '^', true],
  ['[^a]', 'b', false],
  ['[]]', ']', true],
  ['[!]]', 'x', true],
  ['[!]]', ']', false],
  ['[a-]', '-', true],
  ['[-a]', '-', true],
  ['[z-a]', 'm', false],
  ['[!z-a]', 'm', true],
  ['[a-c-e]', '-', true],
  ['[a-c-e]', 'd', false],
  ['[', '[', true],
  ['[abc', '[abc', true],
  ['a[', 'a[', true],
  ['[*]', '*', true],
  ['[*]', 'x', false],
  ['[?]', '?', true],
  ['[?]', 'x', false],
  ['[\\]', '\\', true],
  ['[&&]', '&', true],
  ['*a*b*', 'xxaxxbxx', true],
  ['*a*b*', 'xxbxxaxx', false],
  ['a*b*c', 'abc', true],
  ['a*b*c', 'aXbYc', true],
  ['a*b*c', 'aXcYb', false],
  ['**a', 'a', true],
  ['User:*', 'user:1', false],
  ['*.*', 'a.b', true],
  ['*.*', 'ab', false],
  ['', '', true],
  ['', 'a', false],
  ['[0-9]*', '42', true],
  ['[0-9]*', 'x42', false],
];

const matches = test.macro<[string, string, boolean]>({
  exec(t, pattern, text, expected) {
    t.is(matchGlob(pattern, text), expected);
    t.is(compileGlob(pattern).test(text), expected);
  },
  title: (_provided, pattern, text, expected) => `fnmatch(${JSON.stringify(text)}, ${JSON.stringify(pattern)}) is ${expected}`,
});

for (const [pattern, text, expected] of CASES) test(matches, pattern, text, expected);

test('a compiled glob is anchored and can be reused across texts', (t) => {
  const glob = compileGlob('k?');
  t.deepEqual(
    ['k1', 'k12', 'xk1', 'k'].map((s) => glob.test(s)),
    [true, false, false, false],
  );
});

test('consecutive stars collapse and match like one', (t) => {
  for (const text of ['ab', 'axxb', 'ba', 'a', 'abab']) t.is(matchGlob('a***b', text), matchGlob('a*b', text));
});

/** Adversarial shapes: each costs at most (n + 1) * (m + 1) steps, n the text's code points and m the pattern's. */
const COSTLY: readonly (readonly [name: string, pattern: string, text: string])[] = [
  ['many stars, no final b', `*${'a*'.repeat(500)}b`, 'a'.repeat(4096)],
  ['question marks between stars', `*${'a?'.repeat(500)}b*`, 'a'.repeat(4096)],
  ['long literal segment that almost matches everywhere', `*${'a'.repeat(1000)}b*`, 'a'.repeat(4096)],
  ['classes with many ranges', `*${'[!bcdefghij]'.repeat(80)}z*`, 'a'.repeat(4096)],
  ['the row of the issue: a 10,000-character pattern against a long key', `*${'x?'.repeat(5000)}y`, 'x'.repeat(20_000)],
];

for (const [name, pattern, text] of COSTLY) {
  test(`matching cost is bounded by (n + 1) * (m + 1): ${name}`, (t) => {
    const glob = compileGlob(pattern);
    t.false(glob.test(text));
    const n = Array.from(text).length;
    const m = Array.from(pattern).length;
    t.true(glob.steps <= (n + 1) * (m + 1), `${glob.steps} steps for n=${n}, m=${m}`);
    t.true(glob.steps > 0);
  });
}

test('a match costs no more than its bound either, and the steps add up across texts', (t) => {
  const glob = compileGlob('*a*a*a*a*a*a*a*a*a*a*b');
  t.true(glob.test(`${'a'.repeat(20_000)}b`));
  const one = glob.steps;
  t.true(one <= 20_002 * 23);
  t.false(glob.test('a'.repeat(20_000)));
  t.true(glob.steps > one);
});

test('many interior stars do not backtrack catastrophically', (t) => {
  t.false(matchGlob('*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(20_000)));
  t.true(matchGlob('*a*a*a*a*a*a*a*a*a*a*b', `${'a'.repeat(20_000)}b`));
});
