/**
 * vitest globalSetup for `npm test`: the real-kernel suite needs a VM and never runs here, so say
 * in one line whether this machine could run it and how.
 */
// @ts-expect-error: plain ESM JavaScript without type declarations
import { kernelSuitePreflight } from '../scripts/vm/preflight.mjs';

export default function setup(): void {
  const report = kernelSuitePreflight() as { ok: boolean; summary: string };
  const how = 'run it with `npm run test:kernel` (boots a throwaway QEMU VM with Debian\'s kernel; see docs/kernel-suite.md)';
  process.stdout.write(report.ok
    ? `kernel suite: not part of npm test; ${how}\n`
    : `kernel suite skipped: ${report.summary.replace(/^kernel suite unavailable: /, '')}; ${how}\n`);
}
