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
    },
  },
);
