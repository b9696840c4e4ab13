// "did you mean `workers`?" for a mistyped config key: the closest known name, if close enough. Pure.
import { closest, distance } from 'fastest-levenshtein';

/** ` (did you mean \`x\`?)` when some known name is within a third of the typed name's length, else ''. */
export function didYouMean(typed: string, known: readonly string[]): string {
  if (known.length === 0) return '';
  const best = closest(
    typed.toLowerCase(),
    known.map((k) => k.toLowerCase()),
  );
  const match = known.find((k) => k.toLowerCase() === best);
  if (match === undefined) return '';
  return distance(typed.toLowerCase(), best) <= Math.max(2, Math.floor(typed.length / 3)) ? ` (did you mean \`${match}\`?)` : '';
}
