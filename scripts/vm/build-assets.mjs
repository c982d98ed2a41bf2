#!/usr/bin/env node
// Builds the kernel-suite VM assets from Debian packages into <project>/.cache/vm/:
//   kernel/        the stock kernel package unpacked with `dpkg-deb -x` and depmod'ed (no install)
//   kernel.json    which package/version/release that tree is
//   initramfs.cpio.gz + initramfs.json   static busybox, /init (init.sh), and the virtio/9p/IPVS
//                  modules with their dependencies and a depmod index, so busybox modprobe (and the
//                  kernel's own module requests) work in the guest
// The kernel is re-fetched only when missing or when the package `linux-image-amd64` points at
// changes; the initramfs is rebuilt when the kernel or any input file changes.
//
// CLI: node scripts/vm/build-assets.mjs [--force]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HOST_PACKAGES, ensureDebPackages, stockKernelPackage } from './debian-packages.mjs';
import { writeCpio } from './write-cpio.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Default project root: two levels above this file. */
export const PROJECT_DIR = resolve(HERE, '..', '..');

/** Modules /init loads before it can mount the host's root. */
const BOOT_MODULES = ['virtio_pci', '9pnet_virtio', '9p'];
/** libcrc32c needs a crc32c implementation registered first, so it leads the IPVS list. */
const IPVS_BASE_MODULES = ['crc32c_generic', 'ip_vs'];
/** ip_vs_* modules that are not schedulers: loaded on demand by the kernel, not at boot. */
const NOT_SCHEDULER = /^ip_vs_(ftp|pe_.*)$/;
/** The usual order, so `IPVS_SCHEDULERS` reads naturally; unknown newer schedulers are appended. */
const SCHEDULER_ORDER = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'];

/**
 * @typedef {object} VmAssets
 * @property {string} kernel absolute path of the vmlinuz image
 * @property {string} initrd absolute path of the initramfs (.cpio.gz)
 * @property {string} release kernel release, e.g. `6.1.0-56-amd64`
 * @property {string} package Debian package the kernel came from
 * @property {string} version its Debian version
 * @property {string[]} schedulers IPVS schedulers the kernel has as modules (without `ip_vs_`)
 * @property {boolean} rebuilt whether anything was (re)built by this call
 */

/**
 * @typedef {object} BuildOptions
 * @property {string} [projectDir] project root (default: the one this script lives in)
 * @property {boolean} [force] rebuild even when the stamps match
 * @property {(line: string) => void} [log] progress lines (default: stderr)
 */

/**
 * Makes sure the VM assets exist and match the current stock kernel package; builds what is
 * missing or stale. Installs missing host packages when running as root.
 * @param {BuildOptions} [opts]
 * @returns {VmAssets}
 */
export function ensureVmAssets(opts = {}) {
  const projectDir = opts.projectDir ?? PROJECT_DIR;
  const log = opts.log ?? ((line) => process.stderr.write(`vm-build: ${line}\n`));
  const cacheDir = join(projectDir, '.cache', 'vm');
  mkdirSync(cacheDir, { recursive: true });
  ensureDebPackages(HOST_PACKAGES.map((p) => p.pkg), log);

  let rebuilt = false;
  const kernelDir = join(cacheDir, 'kernel');
  const kernelStampFile = join(cacheDir, 'kernel.json');
  const have = readJson(kernelStampFile);
  let want = stockKernelPackage();
  if (want === null && have === null) {
    // A clean machine may have no package lists yet.
    log('apt knows no linux-image-amd64; running apt-get update');
    run('apt-get', ['update']);
    want = stockKernelPackage();
  }
  if (want === null && have === null) throw new Error('cannot find the Debian kernel package (apt-cache show linux-image-amd64 failed)');
  if (want === null) log(`apt-cache unavailable; reusing cached ${have.package} ${have.version}`);

  let stamp = have;
  if (opts.force || have === null || !existsSync(kernelDir) || (want !== null && (want.name !== have.package || want.version !== have.version))) {
    if (want === null) throw new Error('kernel tree missing and apt-cache cannot name the kernel package');
    stamp = fetchKernel(cacheDir, want, log);
    rebuilt = true;
  }

  const vmlinuz = join(kernelDir, 'boot', `vmlinuz-${stamp.release}`);
  const modDir = join(kernelDir, 'lib', 'modules', stamp.release);
  const schedulers = listSchedulers(modDir);
  const initrd = join(cacheDir, 'initramfs.cpio.gz');
  const initrdStampFile = join(cacheDir, 'initramfs.json');
  const inputs = initramfsInputsHash(stamp);
  if (opts.force || rebuilt || !existsSync(initrd) || readJson(initrdStampFile)?.inputs !== inputs) {
    buildInitramfs(cacheDir, modDir, stamp.release, schedulers, log);
    writeFileSync(initrdStampFile, `${JSON.stringify({ inputs, release: stamp.release }, null, 2)}\n`);
    rebuilt = true;
  }
  return { kernel: vmlinuz, initrd, release: stamp.release, package: stamp.package, version: stamp.version, schedulers, rebuilt };
}

/**
 * Downloads and unpacks the kernel package, then depmods it. Replaces the old tree only once the
 * new one is complete, so an interrupted build leaves the previous one usable.
 * @param {string} cacheDir
 * @param {{ name: string, version: string }} pkg
 * @param {(line: string) => void} log
 */
function fetchKernel(cacheDir, pkg, log) {
  const work = join(cacheDir, `kernel.tmp-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    log(`downloading ${pkg.name} ${pkg.version}`);
    run('apt-get', ['download', `${pkg.name}=${pkg.version}`], { cwd: work });
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${pkg.name} produced no .deb`);
    const tree = join(work, 'tree');
    log(`unpacking ${deb}`);
    run('dpkg-deb', ['-x', join(work, deb), tree]);
    const releases = readdirSync(join(tree, 'lib', 'modules'));
    if (releases.length !== 1 || !releases[0]) throw new Error(`expected one kernel release in ${deb}, found ${releases.join(', ')}`);
    const release = releases[0];
    run('depmod', ['-b', tree, release]);
    const kernelDir = join(cacheDir, 'kernel');
    rmSync(kernelDir, { recursive: true, force: true });
    renameSync(tree, kernelDir);
    const stamp = { package: pkg.name, version: pkg.version, release };
    writeFileSync(join(cacheDir, 'kernel.json'), `${JSON.stringify(stamp, null, 2)}\n`);
    log(`kernel ${release} ready`);
    return stamp;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Schedulers available as modules in the tree, in the usual order.
 * @param {string} modDir `.../lib/modules/<release>`
 * @returns {string[]}
 */
function listSchedulers(modDir) {
  const ipvsDir = join(modDir, 'kernel', 'net', 'netfilter', 'ipvs');
  const names = readdirSync(ipvsDir)
    .filter((f) => /^ip_vs_.*\.ko(\.(xz|zst|gz))?$/.test(f))
    .map((f) => f.replace(/\.ko(\..*)?$/, ''))
    .filter((m) => !NOT_SCHEDULER.test(m))
    .map((m) => m.slice('ip_vs_'.length));
  const rank = (/** @type {string} */ s) => {
    const i = SCHEDULER_ORDER.indexOf(s);
    return i === -1 ? SCHEDULER_ORDER.length : i;
  };
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * Everything the initramfs is made from, hashed: a change to /init or to this builder rebuilds it.
 * @param {{ package: string, version: string, release: string }} stamp
 */
function initramfsInputsHash(stamp) {
  const h = createHash('sha256');
  h.update(JSON.stringify(stamp));
  for (const f of ['init.sh', 'build-assets.mjs', 'write-cpio.mjs']) h.update(readFileSync(join(HERE, f)));
  h.update(readFileSync('/bin/busybox'));
  return h.digest('hex');
}

/**
 * Stages and packs the initramfs.
 * @param {string} cacheDir
 * @param {string} modDir
 * @param {string} release
 * @param {string[]} schedulers
 * @param {(line: string) => void} log
 */
function buildInitramfs(cacheDir, modDir, release, schedulers, log) {
  log('building initramfs');
  const root = join(cacheDir, `initramfs.tmp-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  try {
    for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'dev', 'proc', 'sys', 'newroot', 'etc/vm', 'tmp']) {
      mkdirSync(join(root, d), { recursive: true });
    }
    copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
    chmodSync(join(root, 'bin', 'busybox'), 0o755);
    copyFileSync(join(HERE, 'init.sh'), join(root, 'init'));
    chmodSync(join(root, 'init'), 0o755);

    const deps = readModulesDep(modDir);
    const ipvsModules = [...IPVS_BASE_MODULES, ...schedulers.map((s) => `ip_vs_${s}`)];
    const everyIpvs = [...deps.keys()].filter((m) => m.startsWith('ip_vs'));
    const wanted = new Set();
    const addWithDeps = (/** @type {string} */ m) => {
      const e = deps.get(m);
      if (!e) throw new Error(`module ${m} not found in ${modDir}`);
      if (wanted.has(m)) return;
      wanted.add(m);
      for (const d of e.deps) addWithDeps(d);
    };
    for (const m of [...BOOT_MODULES, ...IPVS_BASE_MODULES, ...everyIpvs]) addWithDeps(m);

    const outMods = join(root, 'lib', 'modules', release);
    for (const m of wanted) {
      const rel = /** @type {{ path: string }} */ (deps.get(m)).path;
      mkdirSync(dirname(join(outMods, rel)), { recursive: true });
      copyFileSync(join(modDir, rel), join(outMods, rel));
    }
    for (const f of ['modules.order', 'modules.builtin', 'modules.builtin.modinfo']) {
      if (existsSync(join(modDir, f))) copyFileSync(join(modDir, f), join(outMods, f));
    }
    run('depmod', ['-b', root, release]);

    writeFileSync(join(root, 'etc', 'vm', 'modules-boot'), `${BOOT_MODULES.join('\n')}\n`);
    writeFileSync(join(root, 'etc', 'vm', 'modules-ipvs'), `${ipvsModules.join('\n')}\n`);
    writeFileSync(join(root, 'etc', 'vm', 'schedulers'), `${schedulers.join(' ')}\n`);

    const cpio = writeCpio(root, [{ path: 'dev/console', major: 5, minor: 1 }]);
    const out = join(cacheDir, 'initramfs.cpio.gz');
    writeFileSync(`${out}.tmp-${process.pid}`, cpio);
    renameSync(`${out}.tmp-${process.pid}`, out);
    log(`initramfs: ${wanted.size} modules, ${(cpio.length / 1e6).toFixed(1)} MB`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * modules.dep as name -> { path, deps (names) }.
 * @param {string} modDir
 * @returns {Map<string, { path: string, deps: string[] }>}
 */
function readModulesDep(modDir) {
  const name = (/** @type {string} */ p) => (p.split('/').pop() ?? p).replace(/\.ko(\..*)?$/, '').replaceAll('-', '_');
  /** @type {Map<string, { path: string, deps: string[] }>} */
  const map = new Map();
  for (const line of readFileSync(join(modDir, 'modules.dep'), 'utf8').split('\n')) {
    const [path, rest] = line.split(':');
    if (!path || rest === undefined) continue;
    map.set(name(path), { path, deps: rest.trim().split(/\s+/).filter(Boolean).map(name) });
  }
  return map;
}

/** @param {string} file */
function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ cwd?: string }} [opts]
 */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 2, 2], ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const a = ensureVmAssets({ force: process.argv.includes('--force') });
    process.stdout.write(`${JSON.stringify(a, null, 2)}\n`);
  } catch (e) {
    process.stderr.write(`vm-build: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
