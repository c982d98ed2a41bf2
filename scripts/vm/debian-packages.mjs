// Debian package queries for the VM build: which host packages are missing, installing them when
// we are root (CI starts from a clean machine), and which kernel package `linux-image-amd64`
// currently points at. Only the ordinary apt/dpkg clients are used.
import { spawnSync } from 'node:child_process';

/** Host packages the kernel suite needs. The guest runs chrooted on the host's root, so ipvsadm and
 * node must be installed on the host, not in the VM image. */
export const HOST_PACKAGES = Object.freeze([
  { pkg: 'qemu-system-x86', why: 'qemu-system-x86_64 runs the VM' },
  { pkg: 'busybox-static', why: 'static busybox is the initramfs userland' },
  { pkg: 'kmod', why: 'depmod indexes the unpacked kernel modules' },
  { pkg: 'ipvsadm', why: 'ipvsadm is the independent reader of the IPVS table inside the VM' },
]);

/** The metapackage whose dependency names the current stock kernel. */
export const KERNEL_METAPACKAGE = 'linux-image-amd64';

/**
 * Runs a command and returns its stdout, or null when it could not run or exited non-zero.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv }} [opts]
 * @returns {string | null}
 */
export function capture(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  if (r.error || r.status !== 0) return null;
  return r.stdout;
}

/**
 * The subset of `names` that dpkg does not report as installed.
 * @param {readonly string[]} names Debian package names
 * @returns {string[]}
 */
export function missingDebPackages(names) {
  if (names.length === 0) return [];
  // One query for all; unknown packages make dpkg-query exit 1 but the rest is still printed.
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...names], { encoding: 'utf8' });
  const installed = new Set(
    (r.stdout ?? '')
      .split('\n')
      .filter((line) => /\binstall ok installed$/.test(line))
      .map((line) => line.split(' ')[0]?.split(':')[0]),
  );
  return names.filter((name) => !installed.has(name));
}

/** @returns {boolean} true when this process runs as root (and can install packages). */
export function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Installs the missing ones of `names` with `apt-get install -y --no-install-recommends` when
 * running as root; otherwise throws an Error that names the command to run.
 * @param {readonly string[]} names
 * @param {(line: string) => void} log progress lines
 */
export function ensureDebPackages(names, log) {
  const missing = missingDebPackages(names);
  if (missing.length === 0) return;
  if (!isRoot()) {
    throw new Error(`missing Debian packages: ${missing.join(' ')} (run: apt-get install -y --no-install-recommends ${missing.join(' ')})`);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  if (r.status !== 0) {
    // A clean machine may have no package lists yet.
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  }
  if (r.status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/**
 * @typedef {object} KernelPackage
 * @property {string} name e.g. `linux-image-6.1.0-56-amd64`
 * @property {string} version Debian version, e.g. `6.1.192-2`
 */

/**
 * The kernel package that `linux-image-amd64` depends on, at its candidate version, or null when
 * apt knows no such package (no package lists, or not a Debian-family host).
 * @returns {KernelPackage | null}
 */
export function stockKernelPackage() {
  const meta = capture('apt-cache', ['show', '--no-all-versions', KERNEL_METAPACKAGE]);
  if (meta === null) return null;
  const dep = /^Depends:\s*(linux-image-[^\s,(]+)/m.exec(meta);
  if (!dep?.[1]) return null;
  const name = dep[1];
  // The metapackage pins the exact version (`Depends: linux-image-X (= V)`); ask only if it does not.
  let version = /^Depends:\s*linux-image-[^\s,(]+\s*\(=\s*([^)\s]+)\)/m.exec(meta)?.[1];
  if (!version) {
    const info = capture('apt-cache', ['show', '--no-all-versions', name]);
    version = info === null ? undefined : /^Version:\s*(\S+)/m.exec(info)?.[1];
  }
  if (!version) return null;
  return { name, version };
}
