// Lint: eslint's and typescript-eslint's recommended rules over the sources, tests, scripts and benchmarks.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'src/schema/accept.generated.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Control characters are exactly what the escaping and cleaning patterns exist to find.
      'no-control-regex': 'off',
      // Each stage loads its heavy module on first use with require() (src/lazy.ts), and so does the loader.
      '@typescript-eslint/no-require-imports': 'off',
      // A leading underscore marks a binding kept on purpose (a destructured rest, a parameter a signature needs).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
