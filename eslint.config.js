// Lint: typescript-eslint strict type-checked rules, plus fences that keep src/core and src/protocol pure.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
      'no-restricted-imports': ['error', { paths: impureModules.map((name) => ({ name, message: 'src/core and src/protocol stay pure: side effects live in the shells.' })) }],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'setImmediate', 'performance'],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Take `now` as a parameter.' }],
    },
  },
  {
    files: ['test/**/*.ts', 'integration/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
