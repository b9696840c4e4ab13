// The stream rows (bench/streams.ts) as a scenario of `npm run bench`: 64 calls in flight beside a
// stream read at 10 chunks/s, and 100,000 small chunks next to a raw two-hop relay of the same frames.
import type { Scenario } from '../lib/scenario.js';
import { streamRows, streamSettings } from '../streams.js';

export const streams: Scenario = {
  name: 'streams',
  run: async (ctx) => ({ markdown: [await streamRows(ctx.dir, streamSettings(ctx.settings.quick), ctx.log)], goals: [] }),
};
