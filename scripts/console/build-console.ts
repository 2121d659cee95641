/**
 * Builds the admin console (apps/console) into dist/console: one ES module bundle, its stylesheet and the
 * HTML shell. The gateway serves that directory at /console. Type checking is `npm run typecheck`'s job.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Compiled to dist/scripts/console/: the repository root is three levels up.
const root = join(import.meta.dirname, '..', '..', '..');
const source = join(root, 'apps', 'console');
const out = join(root, 'dist', 'console');

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
await build({
  entryPoints: [join(source, 'src', 'main.ts')],
  outfile: join(out, 'assets', 'console.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  minify: true,
  logLevel: 'warning',
  tsconfig: join(source, 'tsconfig.json'),
});
copyFileSync(join(source, 'index.html'), join(out, 'index.html'));
// One stylesheet: the console's, then the chart library's (uPlot draws on canvas; its CSS lays out the legend).
writeFileSync(
  join(out, 'assets', 'console.css'),
  [join(source, 'console.css'), join(root, 'node_modules', 'uplot', 'dist', 'uPlot.min.css')]
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n'),
);
