// Dirty apps for the benchmark. Echo is the integration fixture's echo with nothing else;
// SlowInit has a known init() time (BENCH_INIT_MS, default 200 ms) for the scale-up rows.
export class Echo {
  init() {
    this.calls = 0;
  }
  echo(value) {
    this.calls++;
    return value;
  }
}

export class SlowInit {
  async init() {
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.BENCH_INIT_MS ?? 200)));
  }
  echo(value) {
    return value;
  }
}
