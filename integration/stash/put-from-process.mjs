// A separate client process: writes argv[2..] as key/value into table "shared", then exits.
import { createClient } from 'pm2-dirty';

const [key, value] = process.argv.slice(2);
const client = createClient();
await client.stash.put('shared', key, value);
await client.close();
