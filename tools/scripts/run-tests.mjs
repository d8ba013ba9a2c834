#!/usr/bin/env node
// `npm test`: starts the project's own infrastructure if it is not running, runs every Jest
// project against it, prints `N passed, N failed`, and stops what it started.
//
// Usage: npm test [-- <extra jest arguments>]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const reportFile = join(root, 'reports/jest-results.json');
const infraCli = ['-r', '@swc-node/register', 'tools/infra/src/main.ts'];
const env = { ...process.env, SWC_NODE_PROJECT: join(root, 'tsconfig.base.json') };

const run = (command, args, options = {}) =>
  spawnSync(command, args, { cwd: root, env, stdio: options.quiet ? 'pipe' : 'inherit', encoding: 'utf8' });

const alreadyRunning = run(process.execPath, [...infraCli, 'status'], { quiet: true }).status === 0;
if (!alreadyRunning) {
  const up = run(process.execPath, [...infraCli, 'up']);
  if (up.status !== 0) {
    console.error('Could not start the local infrastructure; see the messages above.');
    process.exit(up.status ?? 1);
  }
}

mkdirSync(dirname(reportFile), { recursive: true });
rmSync(reportFile, { force: true });
const jest = run(process.execPath, [
  'node_modules/jest/bin/jest.js',
  '--ci',
  // Every test cleans up after itself; this only keeps a run from hanging when a failed test
  // could not (a consumer still polling after its test timed out).
  '--forceExit',
  '--json',
  `--outputFile=${reportFile}`,
  ...process.argv.slice(2),
]);

if (!alreadyRunning) run(process.execPath, [...infraCli, 'down']);

let passed = 0;
let failed = 0;
if (existsSync(reportFile)) {
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  passed = report.numPassedTests;
  // A test file that fails to load has no failing test of its own: count it, or it would vanish.
  failed = report.numFailedTests + report.numRuntimeErrorTestSuites;
} else {
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(jest.status === 0 && failed === 0 ? 0 : 1);
