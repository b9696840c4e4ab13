// Example dirty app, CPU-bound: password hashing with scrypt, kept off the web processes' event loop.
import { scrypt, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { DirtyApp } from 'pm2-dirty/app';

const scryptAsync = promisify(scrypt);
const PARAMS = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export class Hasher extends DirtyApp {
  init() {
    this.hashed = 0;
  }

  /** Returns "salt:hash" (hex) for a password. */
  async hash(password) {
    const salt = randomBytes(16);
    const key = await scryptAsync(password, salt, 32, PARAMS);
    this.hashed++;
    return `${salt.toString('hex')}:${key.toString('hex')}`;
  }

  async verify(password, stored) {
    const [saltHex, keyHex] = String(stored).split(':');
    const key = await scryptAsync(password, Buffer.from(saltHex, 'hex'), 32, PARAMS);
    return timingSafeEqual(key, Buffer.from(keyHex, 'hex'));
  }

  /** Deterministic, expensive key derivation (fixed salt): the kind of result worth caching. */
  async derive(input, salt = 'pm2-dirty-example') {
    const key = await scryptAsync(input, salt, 32, PARAMS);
    this.hashed++;
    return key.toString('hex');
  }

  stats() {
    return { pid: process.pid, hashed: this.hashed };
  }
}
