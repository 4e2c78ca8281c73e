// Lint setup: typescript-eslint recommended rules plus the layering rules of DESIGN.md:
// - only src/vscode imports `vscode`;
// - imports point down the layers (`layers/imports-point-down`, below): a module under src/ may import
//   from its own layer or a layer below it, never from one above.
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

/** The layers of DESIGN.md, top to bottom. */
export const LAYERS = ['vscode', 'server', 'report', 'delve', 'analysis', 'ssa', 'runtime', 'traceback', 'core'];

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), 'src');

/** The layer of a file under src/ (its first directory), or undefined. */
function layerOf(file) {
  const rel = relative(SRC, file);
  if (rel.startsWith('..') || rel === '') return undefined;
  const top = rel.split(sep)[0];
  return LAYERS.includes(top) ? top : undefined;
}

const importsPointDown = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports point down the layers of DESIGN.md (src/vscode on top, src/core at the bottom).' },
    schema: [],
    messages: {
      up: "src/{{from}} must not import from src/{{to}} (a layer above it; layers top to bottom: {{order}}).",
    },
  },
  create(context) {
    const from = layerOf(context.filename);
    if (!from) return {};
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const to = layerOf(resolve(dirname(context.filename), source.value));
      if (to && LAYERS.indexOf(to) < LAYERS.indexOf(from)) {
        context.report({ node: source, messageId: 'up', data: { from, to, order: LAYERS.join(', ') } });
      }
    };
    return {
      ImportDeclaration: (n) => check(n, n.source),
      ExportNamedDeclaration: (n) => check(n, n.source),
      ExportAllDeclaration: (n) => check(n, n.source),
      ImportExpression: (n) => check(n, n.source.type === 'Literal' ? n.source : undefined),
      TSImportType: (n) => check(n, n.argument?.type === 'TSLiteralType' ? n.argument.literal : n.source),
    };
  },
};

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
    files: ['src/**/*.ts'],
    plugins: { layers: { rules: { 'imports-point-down': importsPointDown } } },
    rules: { 'layers/imports-point-down': 'error' },
  },
  {
    files: LAYERS.filter((l) => l !== 'vscode').map((l) => `src/${l}/**`),
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Only src/vscode may import vscode.' }] }],
    },
  },
);
