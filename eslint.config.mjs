// Lint settings from shared/style.md: promise safety, exhaustive switches, and a pure core.
import tseslint from 'typescript-eslint';

/** The promise, switch and equality rules of the service and of the dashboard. */
const typedRules = {
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/no-misused-promises': 'error',
  '@typescript-eslint/switch-exhaustiveness-check': 'error',
  eqeqeq: ['error', 'always'],
  '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'dashboard/*.*',
      'dashboard/src/generated/**',
      'coverage/**',
      'sdk/dist/**',
      'sdk/src/generated/**',
      '*.js',
      '*.mjs',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: { ...typedRules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The dashboard (Vite + Preact): the same promise and switch rules, against its own tsconfig (DOM, JSX).
    files: ['dashboard/src/**/*.{ts,tsx}'],
    languageOptions: { parserOptions: { project: './dashboard/tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: typedRules,
  },
  {
    // The pure core: no framework, no database.
    files: ['src/stats/**/*.ts', 'src/bucketing/**/*.ts', 'src/**/*.decision.ts', 'src/**/*-decision.ts', 'src/**/*-rules.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@nestjs/*', 'typeorm', 'pg', '**/*.service', '**/*.entity'] }],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
