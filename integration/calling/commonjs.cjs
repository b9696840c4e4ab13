// A CommonJS app process: require('pm2-dirty') (require(esm) on Node >= 20.19), call, print, exit.
const { createClient, DirtyAppError } = require('pm2-dirty');

const [app] = process.argv.slice(2);
const client = createClient();
client
  .execute(app, 'echo', { from: 'commonjs' })
  .then(async (value) => {
    let classified = false;
    try {
      await client.execute(app, 'fail', 'x');
    } catch (err) {
      classified = err instanceof DirtyAppError;
    }
    console.log(JSON.stringify({ value, classified }));
    await client.close();
  })
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
