// Integration tests: the built arbiter (dist/) in real processes, real Unix sockets and a real pm2 daemon.
export default {
  files: ['integration/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  concurrency: 2,
  timeout: '120s',
};
