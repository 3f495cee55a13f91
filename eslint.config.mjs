import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.state/', 'bin/', 'tools/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // Plain CommonJS config files (jest.config.js).
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } },
  },
  {
    // src/store/ is the only code that knows tables (the emulator keeps its own state; tests
    // inspect tables to check what the store wrote). Everyone else calls the store's functions.
    files: ['**/*.ts'],
    ignores: ['src/store/**', 'emulator/**', 'test/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [
        { name: 'knex', message: 'only src/store/ knows tables: call (or add) a function in src/store/' },
      ] }],
    },
  },
  {
    // The CLI and the console start workflows and read the store; activities run only in the worker.
    files: ['client/**/*.ts', 'console/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'knex', message: 'only src/store/ knows tables: call (or add) a function in src/store/' }],
        patterns: [{ group: ['**/activities', '**/activities/*'], message: 'the CLI imports no activity module: use src/ (domain, store) or start a workflow' }],
      }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      // Workflow code is replayed: it may only import the workflow SDK and types.
      'no-restricted-imports': ['error', { patterns: [
        { group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', 'fs', 'path', 'knex', 'ldapts', 'pino', 'nodemailer'], message: 'workflows must stay deterministic: import only @temporalio/workflow and types' },
      ] }],
    },
  },
);
