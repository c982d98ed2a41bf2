#!/usr/bin/env node
// `npm run test:kernel [-- VITEST_ARGS...]`: runs test/kernel/ against the real IPVS table of a
// throwaway VM (scripts/vm/, docs/kernel-suite.md). Builds or reuses the VM assets, boots one VM,
// runs vitest in it with the JSON reporter writing to the job share, streams the guest's output,
// prints `kernel suite: N passed, N failed`, and exits non-zero unless tests ran and all passed.
// A suite that could not run is a failure, never a skip.
//
// Environment: KERNEL_SUITE_TIMEOUT_S (whole VM, default 1800), KERNEL_VM_MEMORY_MB (default 2048),
// KERNEL_VM_CPUS (default 2), KERNEL_SUITE_CONSOLE=1 (stream the guest console, not only on failure),
// KERNEL_SUITE_REPORT=PATH (copy the guest's vitest JSON report there).
import { writeFileSync } from 'node:fs';
import { ensureVmAssets } from './vm/build-assets.mjs';
import { GUEST_JOB_DIR, runInVm } from './vm/run-in-vm.mjs';

const RESULTS = 'vitest.json';
const STARTED = 'started-ms';

/**
 * @typedef {object} SuiteOutcome
 * @property {number} passed
 * @property {number} failed tests that failed, plus one per failure outside any test
 * @property {string[]} problems why the run counts as failed beyond failed tests
 */

/**
 * Turns the VM result and vitest's JSON report into counts and problems.
 * @param {import('./vm/run-in-vm.mjs').RunInVmResult} r
 * @returns {SuiteOutcome}
 */
function judge(r) {
  /** @type {string[]} */
  const problems = [];
  if (r.failure) problems.push(r.failure);
  const raw = r.files[RESULTS];
  if (!raw) {
    if (!r.failure) problems.push(`vitest wrote no ${RESULTS} (exit ${r.exitCode})`);
    return { passed: 0, failed: 1, problems };
  }
  /** @type {{ numPassedTests: number, numFailedTests: number, numTotalTests: number, testResults: { name: string, status: string, message?: string, assertionResults: { status: string }[] }[] }} */
  const report = JSON.parse(raw.toString('utf8'));
  let failed = report.numFailedTests;
  for (const file of report.testResults) {
    // A file that failed to load has no failed tests of its own but must still fail the run.
    if (file.status === 'failed' && !file.assertionResults.some((a) => a.status === 'failed')) {
      failed += 1;
      problems.push(`${file.name}: ${(file.message ?? 'failed').split('\n')[0]}`);
    }
  }
  if (report.numTotalTests === 0) {
    failed = Math.max(failed, 1);
    problems.push('no tests ran');
  }
  if (r.exitCode !== 0 && failed === 0) {
    failed = 1;
    problems.push(`vitest exited ${r.exitCode} with no failed test (errors outside tests; see output)`);
  }
  return { passed: report.numPassedTests, failed, problems };
}

/** @param {number | null | undefined} ms */
const secs = (ms) => (ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

async function main() {
  const vitestArgs = process.argv.slice(2);
  const timeoutMs = Number(process.env.KERNEL_SUITE_TIMEOUT_S || 1800) * 1000;
  const streamConsole = process.env.KERNEL_SUITE_CONSOLE === '1';
  const t0 = Date.now();

  let assets;
  try {
    assets = ensureVmAssets();
  } catch (e) {
    process.stdout.write(`kernel suite: cannot build the VM: ${e instanceof Error ? e.message : String(e)}\n`);
    process.stdout.write('kernel suite: 0 passed, 1 failed\n');
    return 1;
  }
  process.stdout.write(`kernel suite: ${assets.package} ${assets.version} (${assets.release}), schedulers: ${assets.schedulers.join(' ')}\n`);

  const ac = new AbortController();
  for (const s of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(s, () => ac.abort());
  /** @type {string[]} */
  const consoleLines = [];
  const r = await runInVm({
    assets,
    timeoutMs,
    signal: ac.signal,
    collect: [RESULTS, STARTED],
    env: process.stdout.isTTY ? { FORCE_COLOR: '1' } : { NO_COLOR: '1' },
    // The start stamp (guest clock) lets us report boot-to-first-test on one clock with vitest's.
    command: [
      'sh', '-c', `date +%s%3N > ${GUEST_JOB_DIR}/${STARTED}; exec "$@"`, 'sh',
      'node', 'node_modules/vitest/vitest.mjs', 'run',
      '--config', 'vitest.kernel.config.ts',
      // The default loader bundles the config into node_modules/.vite-temp: read-only in the VM.
      '--configLoader', 'runner',
      '--reporter=default', '--reporter=json', `--outputFile.json=${GUEST_JOB_DIR}/${RESULTS}`,
      ...vitestArgs,
    ],
    onOutput: (b) => process.stdout.write(b),
    onConsole: (line) => {
      consoleLines.push(line);
      if (streamConsole) process.stderr.write(`[vm console] ${line}\n`);
    },
  });

  const outcome = judge(r);
  // CI reads the guest's vitest JSON report from a host path of its choosing.
  const reportCopy = process.env.KERNEL_SUITE_REPORT;
  if (reportCopy && r.files[RESULTS]) writeFileSync(reportCopy, r.files[RESULTS]);
  if (outcome.problems.length > 0 && !streamConsole) {
    process.stdout.write(`\n--- guest console (last 40 lines) ---\n${consoleLines.slice(-40).join('\n')}\n---\n`);
  }
  for (const p of outcome.problems) process.stdout.write(`kernel suite: problem: ${p}\n`);

  let firstTestMs = null;
  const started = Number(r.files[STARTED]?.toString('utf8').trim());
  const raw = r.files[RESULTS];
  if (raw && Number.isFinite(started) && r.bootMs !== null) {
    /** @type {{ testResults: { startTime: number }[] }} */
    const report = JSON.parse(raw.toString('utf8'));
    const first = Math.min(...report.testResults.map((f) => f.startTime));
    if (Number.isFinite(first)) firstTestMs = r.bootMs + (first - started);
  }
  process.stdout.write(
    `kernel suite: VM boot ${secs(r.bootMs)}, first test at ${secs(firstTestMs)}, VM total ${secs(r.wallMs)}, wall ${secs(Date.now() - t0)}\n`,
  );
  process.stdout.write(`kernel suite: ${outcome.passed} passed, ${outcome.failed} failed\n`);
  return outcome.failed === 0 && outcome.problems.length === 0 ? 0 : 1;
}

process.exitCode = await main();
