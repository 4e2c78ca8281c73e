// Lint setup: typescript-eslint recommended rules plus the layering rule of DESIGN.md
// (src/core, src/runtime, src/ssa, src/delve, src/report and src/server never import vscode).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src/core/**', 'src/traceback/**', 'src/runtime/**', 'src/ssa/**', 'src/delve/**', 'src/report/**', 'src/server/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Only src/vscode may import vscode.' }] }],
    },
  },
);
