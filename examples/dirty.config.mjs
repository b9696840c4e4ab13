// pm2-dirty config used by `npm start`: two example apps, two workers to begin with.
export default {
  apps: [
    { name: 'hasher', module: './apps/hasher.mjs', export: 'Hasher' },
    // The string form works too: './apps/tokens.mjs:Tokenizer' (routing name = that string).
    { name: 'tokens', module: './apps/tokens.mjs', export: 'Tokenizer' },
  ],
  workers: 2,
  maxWorkers: 8,
  gracefulTimeoutMs: 10_000,
};
