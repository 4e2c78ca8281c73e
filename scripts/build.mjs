// Bundles the three entry points with esbuild: the extension, the traceback language server and the
// command-line report. `--production` minifies and drops source maps; `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const entries = [
  { in: 'src/vscode/extension.ts', out: 'extension', external: ['vscode'] },
  { in: 'src/server/main.ts', out: 'server', external: [] },
  { in: 'src/report/cli.ts', out: 'go-core', external: [], banner: '#!/usr/bin/env node' },
].filter((e) => existsSync(e.in));

const contexts = await Promise.all(
  entries.map((e) =>
    esbuild.context({
      entryPoints: { [e.out]: e.in },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outdir: 'dist',
      external: e.external,
      sourcemap: !production,
      minify: production,
      banner: e.banner ? { js: e.banner } : undefined,
      logLevel: 'warning',
    }),
  ),
);
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  console.log(`built ${entries.map((e) => `dist/${e.out}.js`).join(', ')}`);
}
