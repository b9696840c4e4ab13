// `npm start`: the dirty arbiter (pm2-dirty) with the example apps, and an example web app calling it.
const path = require('node:path');

module.exports = {
  apps: [
    {
      name: 'pm2-dirty',
      script: path.join(__dirname, 'dist/pm2/main.js'),
      exec_mode: 'fork',
      instances: 1,
      pmx: false,
      node_args: ['--single-threaded-gc'], // see docs/operations.md "Node flags"
      treekill: false, // the arbiter drains and stops its own workers, in order
      kill_timeout: 15000, // above gracefulTimeoutMs (10 s in examples/dirty.config.mjs)
      wait_ready: true,
      listen_timeout: 30000,
      stop_exit_codes: [78], // bad config: do not crash-loop
      env: { PM2_DIRTY_CONFIG: path.join(__dirname, 'examples/dirty.config.mjs') },
    },
    {
      name: 'dirty-example-web',
      script: path.join(__dirname, 'examples/web.mjs'),
      exec_mode: 'fork',
      instances: 1,
      wait_ready: true,
      listen_timeout: 10000,
      env: { PORT: '3000' },
    },
  ],
};
