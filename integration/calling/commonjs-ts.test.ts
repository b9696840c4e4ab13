// A CommonJS web process written in TypeScript: with `module: node20` or `nodenext` it compiles against
// pm2-dirty's types (require(esm)); with `node16` TypeScript refuses it with TS1479, as the README says.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/arbiter.js';

const SOURCE = `import { createClient, type DirtyAppProxy } from 'pm2-dirty';
interface Hasher { hash(password: string): Promise<string>; }
const hasher: DirtyAppProxy<Hasher> = createClient().app<Hasher>('hasher');
export const hashed: Promise<string> = hasher.hash('hunter2');
`;

// Inside the package, so 'pm2-dirty' resolves to this checkout's built types (package self-reference).
const dir = mkdtempSync(join(ROOT, '.tmp-cjs-ts-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'web.cts'), SOURCE);

function tsc(module: string): Promise<{ code: number; out: string }> {
  const args = [
    '--noEmit',
    '--strict',
    '--skipLibCheck',
    '--module',
    module,
    '--target',
    'es2022',
    '--types',
    'node',
    '--typeRoots',
    join(ROOT, 'node_modules/@types'),
    'web.cts',
  ];
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), ...args], { cwd: dir, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, out: stdout + stderr });
    });
  });
}

for (const module of ['node20', 'nodenext']) {
  test(`module ${module}: a .cts file imports pm2-dirty and its typed proxy`, async (t) => {
    const r = await tsc(module);
    t.is(r.code, 0, r.out);
  });
}

test('module node16: TS1479 (the referenced file is an ECMAScript module)', async (t) => {
  const r = await tsc('node16');
  t.not(r.code, 0);
  t.regex(r.out, /TS1479/);
});
