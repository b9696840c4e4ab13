// Glob semantics of the stash `keys(pattern)` filter: Python's fnmatch.fnmatchcase, case by case.
// Every expected value below was produced by CPython 3.11's fnmatch.fnmatchcase(text, pattern).

import test from 'ava';
import { globToRegExp, matchGlob } from '../../src/stash/glob.js';

const CASES: readonly (readonly [pattern: string, text: string, expected: boolean])[] = [
  ["user:*", "user:42", true],
  ["user:*", "user:", true],
  ["user:*", "users:1", false],
  ["user:*", "xuser:1", false],
  ["*", "", true],
  ["*", "anything\nwith newline", true],
  ["?", "a", true],
  ["?", "", false],
  ["?", "ab", false],
  ["?", "\n", true],
  ["?", "é", true],
  ["?", "😀", true],
  ["a?c", "abc", true],
  ["a?c", "ac", false],
  ["*.txt", "notes.txt", true],
  ["*.txt", "notes_txt", false],
  ["a.b", "a.b", true],
  ["a.b", "axb", false],
  ["a+b", "a+b", true],
  ["a+b", "aab", false],
  ["(x)|y", "(x)|y", true],
  ["(x)|y", "x", false],
  ["^$", "^$", true],
  ["a{2}", "a{2}", true],
  ["a{2}", "aa", false],
  ["\\d", "\\d", true],
  ["\\d", "1", false],
  ["/x/", "/x/", true],
  ["[abc]", "b", true],
  ["[abc]", "d", false],
  ["[!abc]", "d", true],
  ["[!abc]", "a", false],
  ["[a-c]", "b", true],
  ["[a-c]", "-", false],
  ["[!a-c]", "z", true],
  ["[^a]", "^", true],
  ["[^a]", "b", false],
  ["[]]", "]", true],
  ["[!]]", "x", true],
  ["[!]]", "]", false],
  ["[a-]", "-", true],
  ["[-a]", "-", true],
  ["[z-a]", "m", false],
  ["[!z-a]", "m", true],
  ["[a-c-e]", "-", true],
  ["[a-c-e]", "d", false],
  ["[", "[", true],
  ["[abc", "[abc", true],
  ["a[", "a[", true],
  ["[*]", "*", true],
  ["[*]", "x", false],
  ["[?]", "?", true],
  ["[?]", "x", false],
  ["[\\]", "\\", true],
  ["[&&]", "&", true],
  ["*a*b*", "xxaxxbxx", true],
  ["*a*b*", "xxbxxaxx", false],
  ["a*b*c", "abc", true],
  ["a*b*c", "aXbYc", true],
  ["a*b*c", "aXcYb", false],
  ["**a", "a", true],
  ["User:*", "user:1", false],
  ["*.*", "a.b", true],
  ["*.*", "ab", false],
  ["", "", true],
  ["", "a", false],
  ["[0-9]*", "42", true],
  ["[0-9]*", "x42", false],
];

const matches = test.macro<[string, string, boolean]>({
  exec(t, pattern, text, expected) {
    t.is(matchGlob(pattern, text), expected);
    t.is(globToRegExp(pattern).test(text), expected);
  },
  title: (_provided, pattern, text, expected) => `fnmatch(${JSON.stringify(text)}, ${JSON.stringify(pattern)}) is ${expected}`,
});

for (const [pattern, text, expected] of CASES) test(matches, pattern, text, expected);

test('globToRegExp is anchored and can be reused across texts', (t) => {
  const re = globToRegExp('k?');
  t.deepEqual(['k1', 'k12', 'xk1', 'k'].map((s) => re.test(s)), [true, false, false, false]);
});

test('consecutive stars collapse and match like one', (t) => {
  t.is(globToRegExp('a***b').source, globToRegExp('a*b').source);
});

test('many interior stars do not backtrack catastrophically (CPython uses atomic groups; so do we)', (t) => {
  // A naive `.*a.*a...` regex would take hours on this input and the test would time out.
  t.false(matchGlob('*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(20_000)));
  t.true(matchGlob('*a*a*a*a*a*a*a*a*a*a*b', `${'a'.repeat(20_000)}b`));
});
