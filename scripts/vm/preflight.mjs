#!/usr/bin/env node
// Can this machine run the kernel suite (`npm run test:kernel`)? A quick, side-effect-free check
// (no download, no install, no VM) for callers such as vitest's globalSetup, which print a
// "kernel suite skipped" line with `summary` when it is not. Dependency-free ESM.
//
// CLI: node scripts/vm/preflight.mjs   (prints the report as JSON; exit 0 if ok, 1 if not)
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { HOST_PACKAGES, isRoot, missingDebPackages, stockKernelPackage } from './debian-packages.mjs';

/**
 * @typedef {object} PreflightReport
 * @property {boolean} ok the suite can run here (possibly after installing `willInstall`)
 * @property {string[]} problems what prevents it; empty when ok
 * @property {string[]} willInstall Debian packages the suite would install first (as root)
 * @property {{ package: string, version: string, cached: boolean } | null} kernel the kernel it would boot
 * @property {string} summary one line for a log, e.g. `kernel suite available (linux-image-... cached)`
 */

/**
 * Checks, without side effects, whether the kernel suite can run on this machine.
 * @param {{ projectDir?: string }} [opts] project root (default: the one this script lives in)
 * @returns {PreflightReport}
 */
export function kernelSuitePreflight(opts = {}) {
  const projectDir = opts.projectDir ?? resolve(fileURLToPath(new URL('../..', import.meta.url)));
  /** @type {string[]} */
  const problems = [];
  /** @type {string[]} */
  let willInstall = [];

  if (process.platform !== 'linux' || process.arch !== 'x64') problems.push(`needs linux/x64, this is ${process.platform}/${process.arch}`);

  const hasDpkg = onPath('dpkg-query');
  const missing = hasDpkg ? missingDebPackages(HOST_PACKAGES.map((p) => p.pkg)) : [];
  if (!hasDpkg) {
    for (const [tool, why] of [['qemu-system-x86_64', 'qemu-system-x86'], ['depmod', 'kmod'], ['ipvsadm', 'ipvsadm']]) {
      if (!onPath(tool)) problems.push(`${tool} not found (${why})`);
    }
    if (!existsSync('/bin/busybox')) problems.push('/bin/busybox not found (busybox-static)');
  } else if (missing.length > 0) {
    if (isRoot() && onPath('apt-get')) willInstall = missing;
    else problems.push(`missing Debian packages: ${missing.join(' ')} (not root, cannot install)`);
  }

  const stamp = readJson(join(projectDir, '.cache', 'vm', 'kernel.json'));
  const cached = stamp !== null && existsSync(join(projectDir, '.cache', 'vm', 'kernel', 'boot', `vmlinuz-${stamp.release}`));
  const want = onPath('apt-cache') ? stockKernelPackage() : null;
  /** @type {PreflightReport['kernel']} */
  let kernel = null;
  if (want) kernel = { package: want.name, version: want.version, cached: cached && stamp.package === want.name && stamp.version === want.version };
  else if (cached) kernel = { package: stamp.package, version: stamp.version, cached: true };
  else problems.push('no cached VM kernel and apt cannot name one (apt-cache show linux-image-amd64 failed)');

  const ok = problems.length === 0;
  const summary = ok
    ? `kernel suite available (${kernel?.package} ${kernel?.version}${kernel?.cached ? ', cached' : ', to download'}${willInstall.length ? `; will install ${willInstall.join(' ')}` : ''})`
    : `kernel suite unavailable: ${problems.join('; ')}`;
  return { ok, problems, willInstall, kernel, summary };
}

/** @param {string} cmd */
function onPath(cmd) {
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin'])) {
    if (!dir) continue;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** @param {string} file */
function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = kernelSuitePreflight();
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  process.exit(r.ok ? 0 : 1);
}
