// Dirty apps for the stream rows of the benchmark (bench/streams.ts): an echo and a generator.
export class Echo {
  echo(value) {
    return value;
  }
}

export class Tokens {
  /** `n` copies of `value`, as fast as the reader takes them. */
  *repeat(value, n) {
    for (let i = 0; i < n; i++) yield value;
  }
}
