// Example dirty app, streaming: yields words one by one, like an LLM emitting tokens.
// Limited to 2 workers (static workers = 2), the way a memory-heavy model would be.
import { setTimeout as delay } from 'node:timers/promises';
import { DirtyApp, callContext } from 'pm2-dirty/app';

export class Tokenizer extends DirtyApp {
  static workers = 2;

  async *generate(prompt, delayMs = 50) {
    const words = `You said: ${prompt}. This reply streams one token at a time.`.split(' ');
    for (const word of words) {
      await delay(delayMs, undefined, { signal: callContext()?.signal });
      yield `${word} `;
    }
  }

  count(text) {
    return String(text).split(/\s+/).filter(Boolean).length;
  }
}
