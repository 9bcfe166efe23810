/**
 * A service on its own journal never loads the etcd client: the client and its gRPC stack are
 * about 6 MB of live heap and 200 modules, which every full collection would mark. Checked in a
 * fresh process, since a test worker may have loaded the client for another file.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The CommonJS packages loaded once `modules` are imported, from the sources, in a new process. */
function packagesLoadedBy(modules: string[]): string[] {
  const code = [
    ...modules.map((module) => `await import(${JSON.stringify(`${root}${module}`)});`),
    "const { createRequire } = await import('node:module');",
    'const cache = createRequire(import.meta.url).cache;',
    'const names = Object.keys(cache).map((id) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(id)?.[1]);',
    'console.log(JSON.stringify([...new Set(names.filter(Boolean))]));',
    'process.exit(0);',
  ].join('\n');
  const run = spawnSync(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', code],
    { cwd: root, encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } },
  );
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as string[];
}

describe('etcd client', () => {
  it('is not loaded by the service on its own journal, and is by the shared-log module', () => {
    const embedded = packagesLoadedBy(['src/server/server.ts']);
    expect(embedded).toContain('pino'); // the probe sees the service's own packages
    expect(embedded).not.toContain('etcd3');
    expect(embedded).not.toContain('@grpc/grpc-js');
    expect(packagesLoadedBy(['src/replication/etcd-log.ts'])).toContain('etcd3');
  });
});
