// Lint configuration: ESLint's recommended rules everywhere, typescript-eslint's type-aware
// rules on the TypeScript sources, Node globals for the few plain JavaScript files and k6's globals
// for the k6 scripts.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'dist',
      'client/dist',
      'coverage',
      'load/results',
      // Generated at test time; the scenario is type-checked by the contract test against them.
      'test/contract/generated',
      'test/contract/scenario.ts',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Tests read JSON bodies of many shapes; checking each with a type would only restate the test.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ignores: ['load/k6/**'],
    languageOptions: { globals: globals.node },
  },
  {
    // k6 scripts run in k6's own JavaScript runtime, not in Node: only its globals exist there.
    files: ['load/k6/**/*.js'],
    languageOptions: {
      globals: {
        __ENV: 'readonly',
        __VU: 'readonly',
        __ITER: 'readonly',
        open: 'readonly',
        console: 'readonly',
      },
    },
    // Older k6 releases need a binding in every `catch`, used or not.
    rules: { 'no-unused-vars': ['error', { caughtErrors: 'none' }] },
  },
);
