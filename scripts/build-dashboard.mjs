// Builds the dashboard page into dist/dashboard/: one JavaScript bundle (the page and uPlot), one
// stylesheet (uPlot's and the page's) and the HTML. esbuild does it in well under a second; the
// service serves the result itself (src/server/dashboard/dashboard-assets.ts), with no CDN.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'dashboard');
mkdirSync(outdir, { recursive: true });

await build({
  entryPoints: { app: join(root, 'dashboard', 'src', 'main.ts') },
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  minify: true,
  sourcemap: false,
  legalComments: 'eof',
  outdir,
  logLevel: 'warning',
});
// The page's own styles follow uPlot's, so they win where both say something.
const css = join(outdir, 'app.css');
writeFileSync(
  css,
  `${readFileSync(css, 'utf8')}\n${readFileSync(join(root, 'dashboard', 'style.css'), 'utf8')}`,
);
copyFileSync(join(root, 'dashboard', 'index.html'), join(outdir, 'index.html'));
console.log(`dashboard built in ${outdir}`);
