// Builds the client package: one ES module bundled by esbuild (the shared transformer module is
// inlined, the tRPC and superjson packages stay dependencies), and one declaration file made by
// dts-bundle-generator in which the router's types are inlined, so nothing points into the
// server's `src/`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const here = new URL('..', import.meta.url);
const require = createRequire(import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', here), 'utf8'));
const dist = new URL('dist/', here);

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

await build({
  entryPoints: [new URL('src/index.ts', here).pathname],
  outfile: new URL('index.js', dist).pathname,
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  sourcemap: true,
  external: Object.keys(manifest.dependencies),
  logLevel: 'warning',
});

const generator = require.resolve('dts-bundle-generator/dist/bin/dts-bundle-generator.js');
execFileSync(
  process.execPath,
  [
    generator,
    '--project',
    new URL('tsconfig.json', here).pathname,
    '--no-check',
    '--export-referenced-types=false',
    '-o',
    new URL('index.d.ts', dist).pathname,
    new URL('src/index.ts', here).pathname,
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
