#!/usr/bin/env node
// Fails when libs/contracts/src/generated differs from what `nx run contracts:generate` makes
// from proto/. The generated code is committed so readers can browse it and IDEs work right
// after `npm ci`; this check keeps it honest.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const generated = join(root, 'libs/contracts/src/generated');
const snapshot = mkdtempSync(join(tmpdir(), 'contracts-'));
cpSync(generated, snapshot, { recursive: true });
try {
  const buf = (args) => spawnSync(join(root, 'node_modules/.bin/buf'), args, { cwd: join(root, 'proto'), stdio: 'inherit' });
  if (buf(['lint']).status !== 0) process.exit(1);
  rmSync(generated, { recursive: true, force: true });
  if (buf(['generate']).status !== 0) process.exit(1);
  const diff = spawnSync('diff', ['-r', snapshot, generated], { stdio: 'inherit' });
  if (diff.status !== 0) {
    console.error('\nlibs/contracts/src/generated is stale: run `npx nx run contracts:generate` and commit the result.');
    process.exit(1);
  }
  console.log('Generated contracts match proto/.');
} finally {
  rmSync(snapshot, { recursive: true, force: true });
}
