// Generates src/runtime/sizeClasses.json: the size classes of each provisioned Go release, read from
// that toolchain's own table (runtime/sizeclasses.go `class_to_size` and `class_to_allocnpages` up
// to Go 1.26-ish; internal/runtime/gc/sizeclasses.go `SizeClassToSize` and `SizeClassToNPages` in
// Go 1.27). Releases whose table is identical share one entry (`releases` lists them).
// Run: node --import tsx src/runtime/sizeClassGen.ts 1.19 1.22 1.24 1.27
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../core/cacheDir.js';
import type { SizeClassTable } from './sizeClasses.js';

const FILES = ['src/runtime/sizeclasses.go', 'src/internal/runtime/gc/sizeclasses.go'];

function arrayOf(src: string, names: string[]): number[] | undefined {
  for (const name of names) {
    const m = new RegExp(`var ${name} = \\[[^\\]]*\\]uint\\d+\\{([^}]*)\\}`).exec(src);
    if (m) return m[1]!.split(',').map((x) => Number(x.trim()));
  }
  return undefined;
}

export function tableFromSource(src: string, release: string): Omit<SizeClassTable, 'releases'> {
  const sizes = arrayOf(src, ['class_to_size', 'SizeClassToSize']);
  const pages = arrayOf(src, ['class_to_allocnpages', 'SizeClassToNPages']);
  if (!sizes || !pages || sizes.length !== pages.length) throw new Error(`Go ${release}: no size class table in sizeclasses.go`);
  return { sizes, pages };
}

function main(): void {
  const releases = process.argv.slice(2);
  if (releases.length === 0) throw new Error('usage: sizeClassGen.ts 1.19 1.22 ...');
  const out: SizeClassTable[] = [];
  for (const r of releases) {
    const root = join(cacheDir(), 'toolchains', `go${r}`, 'root', 'usr', 'lib', `go-${r}`);
    const file = FILES.map((f) => join(root, f)).find((f) => existsSync(f));
    if (!file) throw new Error(`Go ${r}: no sizeclasses.go under ${root}`);
    const t = tableFromSource(readFileSync(file, 'utf8'), r);
    const same = out.find((o) => JSON.stringify(o.sizes) === JSON.stringify(t.sizes) && JSON.stringify(o.pages) === JSON.stringify(t.pages));
    if (same) same.releases.push(r);
    else out.push({ releases: [r], ...t });
  }
  const lines = out.map(
    (t) => `    {\n      "releases": ${JSON.stringify(t.releases)},\n      "sizes": ${JSON.stringify(t.sizes)},\n      "pages": ${JSON.stringify(t.pages)}\n    }`,
  );
  writeFileSync(join(__dirname, 'sizeClasses.json'), `{\n  "tables": [\n${lines.join(',\n')}\n  ]\n}\n`);
}

if (require.main === module) main();
