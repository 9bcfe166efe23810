/**
 * `npm run lint:openapi`: lints the OpenAPI document the service serves with Redocly's
 * recommended rules and Spectral's `oas` rules (configured in `redocly.yaml` and `.spectral.yaml`
 * at the root), offline: the document is made from the code into a temporary file, no server and
 * no network. Fails on any error of either tool.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const directory = mkdtempSync(join(tmpdir(), 'raffle-openapi-'));
const file = join(directory, 'openapi.json');
// No telemetry and no update check: the lint must run with no network at all.
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };

function run(command: string, args: string[]): number {
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  return result.status ?? 1;
}

let failed = 0;
try {
  failed += run(bin('tsx'), [join(root, 'scripts', 'openapi-document.ts'), file]);
  if (failed === 0) {
    failed += run(bin('redocly'), ['lint', '--config', join(root, 'redocly.yaml'), file]);
    failed += run(bin('spectral'), [
      'lint',
      '--ruleset',
      join(root, '.spectral.yaml'),
      '--fail-severity',
      'error',
      file,
    ]);
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}
process.exit(failed === 0 ? 0 : 1);
