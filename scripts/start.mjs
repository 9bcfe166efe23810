// `npm start`: runs the service from `dist/`, building it first when `src/` changed since the
// last build, in this same process.
//
// The process `npm start` launches is the service itself (the script is `exec`ed, and the server
// is imported here rather than spawned), so SIGTERM or SIGINT reaches it directly and nothing is
// left running when it stops. The build uses esbuild, a runtime dependency, so a production
// install (`npm ci --omit=dev`) starts from a fresh clone as well as a full one; it transpiles
// file by file, keeping `dist/` laid out as `npm run build:server` (tsc) lays it out. Type
// checking stays with `npm run typecheck` and CI: the trade-off is that `npm start` runs code
// that does not type-check, where the old `prestart` refused to. A hash of the sources, written
// after a successful build, tells whether `dist/` is current; a `dist/` that cannot be rebuilt
// (read-only) is used as it is, with a warning.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourceDir = join(root, 'src');
const distDir = join(root, 'dist');
const entry = join(distDir, 'server', 'main.js');
const stampPath = join(distDir, '.source-hash');
/** Part of the hash: changing the build options below must rebuild. */
const buildOptionsVersion = '1';

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function hashOf(files) {
  const hash = createHash('sha256').update(buildOptionsVersion);
  for (const file of [...files].sort()) {
    hash.update(`\0${relative(root, file)}\0`).update(readFileSync(file));
  }
  return hash.digest('hex');
}

async function build(files) {
  const { build: esbuild } = await import('esbuild');
  await esbuild({
    entryPoints: files,
    outdir: distDir,
    outbase: sourceDir,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
}

if (existsSync(sourceDir)) {
  const files = sourceFiles(sourceDir);
  const hash = hashOf(files);
  const current =
    existsSync(entry) && existsSync(stampPath) && readFileSync(stampPath, 'utf8') === hash;
  if (!current) {
    try {
      await build(files);
      writeFileSync(stampPath, hash);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (!existsSync(entry)) {
        console.error(`start: could not build the service into dist/: ${reason}`);
        process.exit(1);
      }
      console.error(`start: could not rebuild dist/ (${reason}); running the existing build`);
    }
  }
}

process.setSourceMapsEnabled(true);
await import(pathToFileURL(entry).href);
