/**
 * The dashboard's built files (`npm run build` writes them to `dist/dashboard/`), held in memory.
 *
 * The few files are read once, gzipped once, and served from a fixed table: a request can only
 * name a file that is in it, so no path from a URL ever reaches the file system. The directory is
 * found from the package root, the same from `src/` (tests) and from `dist/` (the service). When
 * the files are missing, the dashboard says how to build them instead of failing the service.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface Asset {
  body: Buffer;
  gzipped: Buffer;
  contentType: string;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The package's root: the nearest directory above this file holding a package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('dashboard: no package.json above its module');
    dir = parent;
  }
  return dir;
}

export const defaultAssetsDir = (): string => join(packageRoot(), 'dist', 'dashboard');

/** The files of `dir` by name; an empty table when the dashboard was not built. */
export function loadAssets(dir: string = defaultAssetsDir()): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  for (const name of readdirSync(dir)) {
    const contentType = contentTypes[extname(name)];
    if (contentType === undefined) continue;
    const body = readFileSync(join(dir, name));
    assets.set(name, { body, gzipped: gzipSync(body), contentType });
  }
  return assets;
}
