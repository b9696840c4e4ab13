// Lint: typescript-eslint strict type-checked rules, plus fences that keep src/core and src/protocol pure.
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Layers of src/ (docs/architecture.md, "Layers"): each folder may import at run time only the folders
// listed for it (and src/errors.ts); type-only imports are free, as they vanish from the build. The
// lists form no cycle, which is checked here, so no import cycle between folders can pass lint.
const LAYERS = {
  core: [],
  protocol: [],
  app: [],
  net: ['protocol'],
  config: ['core'],
  stash: ['protocol'],
  client: ['core', 'net', 'protocol'],
  worker: ['app', 'config', 'core', 'net', 'protocol'],
  arbiter: ['config', 'core', 'net', 'protocol', 'stash'],
  pm2: ['arbiter', 'config', 'core', 'protocol'],
  cli: ['arbiter', 'client', 'config', 'core'],
};
const FOLDERS = Object.keys(LAYERS);

function assertAcyclic(graph) {
  const state = new Map();
  const visit = (folder, path) => {
    if (state.get(folder) === 'done') return;
    if (state.get(folder) === 'open') throw new Error(`eslint.config.js: the layers form a cycle: ${[...path, folder].join(' -> ')}`);
    state.set(folder, 'open');
    for (const next of graph[folder]) visit(next, [...path, folder]);
    state.set(folder, 'done');
  };
  for (const folder of FOLDERS) visit(folder, []);
}
assertAcyclic(LAYERS);
// A new folder under src/ must take its place in the layers before lint passes.
for (const entry of readdirSync(new URL('./src/', import.meta.url), { withFileTypes: true })) {
  if (entry.isDirectory() && !Object.hasOwn(LAYERS, entry.name)) {
    throw new Error(`eslint.config.js: src/${entry.name} is in no layer: add it to LAYERS with the folders it may import`);
  }
}

const layerRules = FOLDERS.map((folder) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: FOLDERS.filter((other) => other !== folder && !LAYERS[folder].includes(other)).map((other) => `../${other}/*`),
            allowTypeImports: true,
            message: `src/${folder} may import at run time only ${LAYERS[folder].map((f) => `src/${f}`).join(', ') || 'src/errors.ts'} (layers: eslint.config.js, docs/architecture.md).`,
          },
        ],
      },
    ],
  },
}));

const impureModules = ['node:child_process', 'node:net', 'node:fs', 'node:fs/promises', 'node:timers', 'node:timers/promises', 'node:os', 'node:process'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tmp/**', '.ab/**', '.tmp-*/**', '.tmp-*', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // @pm2/io types its option bags as classes; object literals are what it expects at run time.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: impureModules.map((name) => ({ name, message: 'src/core and src/protocol stay pure: side effects live in the shells.' })) },
      ],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'setImmediate', 'performance'],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Take `now` as a parameter.' }],
    },
  },
  ...layerRules,
  {
    files: ['test/**/*.ts', 'integration/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
