#!/usr/bin/env node
// Runs one command in a fresh throwaway VM (Debian's stock kernel, IPVS modules loaded, lo up,
// as root, chrooted on the host's root read-only with the project at its host path) and returns
// its combined output and exit status. See docs/kernel-suite.md.
//
// CLI: node scripts/vm/run-in-vm.mjs [--timeout SECONDS] [--memory MB] [--cpus N] [--quiet] -- CMD [ARG...]
//      Streams the command's output, exits with its status; 124 when the VM timed out, 125 when
//      the VM failed (could not boot, or stopped before the command finished).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_DIR, ensureVmAssets } from './build-assets.mjs';

/** Where the writable job share appears inside the guest (also exported there as VM_JOB_DIR). */
export const GUEST_JOB_DIR = '/run/vm';
/** Exit statuses the CLI uses when the command itself produced none. */
export const EXIT_TIMEOUT = 124;
export const EXIT_VM_FAILED = 125;

/**
 * @typedef {object} RunInVmOptions
 * @property {string[]} command argv to run in the guest, in the project directory
 * @property {string} [projectDir] project root (default: the one this script lives in)
 * @property {Record<string, string>} [env] extra environment for the command
 * @property {number} [timeoutMs] whole VM lifetime limit in ms (default 600 000)
 * @property {number} [memoryMb] guest RAM in MiB (default 2048, or $KERNEL_VM_MEMORY_MB)
 * @property {number} [cpus] guest vCPUs (default 2, or $KERNEL_VM_CPUS)
 * @property {string[]} [collect] file names the command writes into $VM_JOB_DIR, read back into `files`
 * @property {(chunk: Buffer) => void} [onOutput] the command's output as it arrives
 * @property {(line: string) => void} [onConsole] kernel/init console lines as they arrive
 * @property {(line: string) => void} [log] build progress (default: stderr)
 * @property {AbortSignal} [signal] stops the VM early (the result then has `failure` set)
 * @property {import('./build-assets.mjs').VmAssets} [assets] already-built assets
 */

/**
 * @typedef {object} RunInVmResult
 * @property {number | null} exitCode the command's exit status; null if it never finished
 * @property {string} output the command's stdout and stderr, interleaved
 * @property {string} console the guest console (init and kernel messages)
 * @property {boolean} timedOut the VM was killed at `timeoutMs`
 * @property {string | null} failure why the VM itself failed, or null
 * @property {number | null} bootMs wall time in ms from starting qemu to the command starting
 * @property {number} wallMs wall time in ms from starting qemu to its exit
 * @property {Record<string, Buffer | undefined>} files the `collect`ed files (undefined if absent)
 */

/**
 * Boots a VM, runs `command` in it and resolves once the VM is gone. Never rejects for guest
 * problems: those come back as `failure`, `timedOut` or a non-zero `exitCode`.
 * @param {RunInVmOptions} opts
 * @returns {Promise<RunInVmResult>}
 */
export async function runInVm(opts) {
  // The real path: the guest mounts the project there, and a symlink could point into its tmpfs.
  const projectDir = realpathSync(resolve(opts.projectDir ?? PROJECT_DIR));
  if (['/', '/tmp', '/run'].includes(projectDir)) throw new Error(`runInVm: cannot share ${projectDir} as the project`);
  if (opts.command.length === 0) throw new Error('runInVm: empty command');
  const assets = opts.assets ?? ensureVmAssets({ projectDir, log: opts.log });
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const memoryMb = opts.memoryMb ?? Number(process.env.KERNEL_VM_MEMORY_MB || 2048);
  const cpus = opts.cpus ?? Number(process.env.KERNEL_VM_CPUS || 2);

  const jobDir = mkdtempSync(join(tmpdir(), 'ldng-vm-'));
  try {
    writeFileSync(join(jobDir, 'project-dir'), `${projectDir}\n`);
    writeFileSync(join(jobDir, 'timeout-s'), `${Math.ceil(timeoutMs / 1000)}\n`);
    writeFileSync(join(jobDir, 'job.sh'), jobScript(projectDir, opts.command, opts.env ?? {}));
    const result = await boot({ assets, jobDir, projectDir, timeoutMs, memoryMb, cpus, opts });
    /** @type {Record<string, Buffer | undefined>} */
    const files = {};
    for (const name of opts.collect ?? []) {
      const p = join(jobDir, name);
      files[name] = existsSync(p) ? readFileSync(p) : undefined;
    }
    return { ...result, files };
  } finally {
    rmSync(jobDir, { recursive: true, force: true });
  }
}

/**
 * The script the guest runs in the chroot: fixed environment, project directory, then the command.
 * @param {string} projectDir
 * @param {string[]} command
 * @param {Record<string, string>} extraEnv
 */
function jobScript(projectDir, command, extraEnv) {
  const hostPath = (process.env.PATH ?? '').split(':').filter(Boolean);
  const path = [dirname(process.execPath), ...hostPath, '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  /** @type {Record<string, string>} */
  const env = {
    PATH: [...new Set(path)].join(':'),
    HOME: '/tmp/home',
    TMPDIR: '/tmp',
    USER: 'root',
    LANG: 'C.UTF-8',
    VM_JOB_DIR: GUEST_JOB_DIR,
    KERNEL_VM: '1',
    // The project and the host root are read-only in the guest: keep every cache on /tmp.
    npm_config_cache: '/tmp/npm-cache',
    npm_config_update_notifier: 'false',
    XDG_CACHE_HOME: '/tmp/cache',
    ...extraEnv,
  };
  const lines = ['# generated by scripts/vm/run-in-vm.mjs', 'set -e', 'mkdir -p /tmp/home'];
  for (const [k, v] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`runInVm: bad environment name ${k}`);
    lines.push(`export ${k}=${shellQuote(v)}`);
  }
  lines.push(`cd ${shellQuote(projectDir)}`, 'set +e', `exec ${command.map(shellQuote).join(' ')}`, '');
  return lines.join('\n');
}

/** @param {string} s */
function shellQuote(s) {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/**
 * @param {{ assets: import('./build-assets.mjs').VmAssets, jobDir: string, projectDir: string,
 *   timeoutMs: number, memoryMb: number, cpus: number, opts: RunInVmOptions }} p
 * @returns {Promise<Omit<RunInVmResult, 'files'>>}
 */
async function boot({ assets, jobDir, projectDir, timeoutMs, memoryMb, cpus, opts }) {
  /** @type {Buffer[]} */
  const output = [];
  let consoleText = '';
  let consolePartial = '';
  let bootMs = /** @type {number | null} */ (null);
  let started = 0;

  const consoleSock = join(jobDir, 'console.sock');
  const outputSock = join(jobDir, 'output.sock');
  const onConsoleData = (/** @type {Buffer} */ b) => {
    const text = b.toString('utf8').replaceAll('\r', '');
    consoleText += text;
    const lines = (consolePartial + text).split('\n');
    consolePartial = lines.pop() ?? '';
    for (const line of lines) {
      if (bootMs === null && line.includes('vm-init: job start')) bootMs = Date.now() - started;
      opts.onConsole?.(line);
    }
  };
  const onOutputData = (/** @type {Buffer} */ b) => {
    output.push(b);
    opts.onOutput?.(b);
  };
  const servers = await Promise.all([listen(consoleSock, onConsoleData), listen(outputSock, onOutputData)]);

  const share = (/** @type {string} */ path, /** @type {string} */ tag, /** @type {boolean} */ readonly) =>
    ['-virtfs', `local,path=${path},mount_tag=${tag},security_model=none,multidevs=remap${readonly ? ',readonly=on' : ''}`];
  const args = [
    '-accel', 'tcg,thread=multi', '-cpu', process.env.KERNEL_VM_QEMU_CPU || 'max', '-smp', String(cpus), '-m', String(memoryMb),
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot', '-nic', 'none',
    '-kernel', assets.kernel, '-initrd', assets.initrd,
    '-append', 'console=ttyS0 quiet loglevel=4 panic=-1 rdinit=/init',
    '-chardev', `socket,id=con,path=${consoleSock}`, '-serial', 'chardev:con',
    '-chardev', `socket,id=out,path=${outputSock}`, '-serial', 'chardev:out',
    ...share('/', 'hostroot', true),
    ...share(projectDir, 'project', true),
    ...share(jobDir, 'job', false),
  ];

  started = Date.now();
  const qemu = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let qemuMessages = '';
  qemu.stdout.on('data', (b) => (qemuMessages += b));
  qemu.stderr.on('data', (b) => (qemuMessages += b));
  let timedOut = false;
  let aborted = false;
  const timer = setTimeout(() => {
    timedOut = true;
    qemu.kill('SIGKILL');
  }, timeoutMs);
  const onAbort = () => {
    aborted = true;
    qemu.kill('SIGKILL');
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  /** @type {{ code: number | null, signal: NodeJS.Signals | null, spawnError: Error | null }} */
  const exit = await new Promise((res) => {
    qemu.on('error', (e) => res({ code: null, signal: null, spawnError: e }));
    qemu.on('close', (code, signal) => res({ code, signal, spawnError: null }));
  });
  const wallMs = Date.now() - started;
  clearTimeout(timer);
  opts.signal?.removeEventListener('abort', onAbort);
  await Promise.all(servers.map((s) => new Promise((res) => s.close(() => res(undefined)))));
  if (consolePartial) opts.onConsole?.(consolePartial);

  const exitFile = join(jobDir, 'exit-code');
  const exitText = existsSync(exitFile) ? readFileSync(exitFile, 'utf8').trim() : '';
  const exitCode = /^\d+$/.test(exitText) ? Number(exitText) : null;
  let failure = null;
  if (exit.spawnError) failure = `cannot start qemu-system-x86_64: ${exit.spawnError.message}`;
  else if (timedOut) failure = `VM timed out after ${Math.round(timeoutMs / 1000)} s`;
  else if (aborted) failure = 'VM stopped: aborted';
  else if (exitCode === null) {
    const fatal = /vm-init: FATAL: .*/.exec(consoleText)?.[0];
    failure = fatal ?? `VM stopped before the command finished (qemu exit ${exit.code ?? exit.signal})${qemuMessages ? `: ${qemuMessages.trim()}` : ''}`;
  }
  return { exitCode, output: Buffer.concat(output).toString('utf8'), console: consoleText, timedOut, failure, bootMs, wallMs };
}

/**
 * A Unix-socket server that qemu's serial chardev connects to (we listen first, so there is no race).
 * @param {string} path
 * @param {(b: Buffer) => void} onData
 * @returns {Promise<import('node:net').Server>}
 */
function listen(path, onData) {
  return new Promise((res, rej) => {
    const server = createServer((sock) => sock.on('data', onData));
    server.once('error', rej);
    server.listen(path, () => res(server));
  });
}

/**
 * Parses the CLI arguments shared by run-in-vm.mjs: options before `--`, the command after.
 * @param {string[]} argv
 */
function parseCli(argv) {
  const sep = argv.indexOf('--');
  const opts = sep === -1 ? [] : argv.slice(0, sep);
  const command = sep === -1 ? argv : argv.slice(sep + 1);
  /** @type {{ timeoutMs?: number, memoryMb?: number, cpus?: number, quiet: boolean, command: string[] }} */
  const out = { quiet: false, command };
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i];
    const num = () => {
      const v = Number(opts[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${o} needs a positive number`);
      return v;
    };
    if (o === '--timeout') out.timeoutMs = num() * 1000;
    else if (o === '--memory') out.memoryMb = num();
    else if (o === '--cpus') out.cpus = num();
    else if (o === '--quiet') out.quiet = true;
    else throw new Error(`unknown option ${o}`);
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let cli;
  try {
    cli = parseCli(process.argv.slice(2));
    if (cli.command.length === 0) throw new Error('no command given');
  } catch (e) {
    process.stderr.write(`run-in-vm: ${e instanceof Error ? e.message : String(e)}\n`);
    process.stderr.write('usage: node scripts/vm/run-in-vm.mjs [--timeout S] [--memory MB] [--cpus N] [--quiet] -- CMD [ARG...]\n');
    process.exit(2);
  }
  const ac = new AbortController();
  for (const s of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(s, () => ac.abort());
  const r = await runInVm({
    command: cli.command,
    timeoutMs: cli.timeoutMs,
    memoryMb: cli.memoryMb,
    cpus: cli.cpus,
    signal: ac.signal,
    onOutput: (b) => process.stdout.write(b),
    onConsole: cli.quiet ? undefined : (line) => process.stderr.write(`[console] ${line}\n`),
  });
  if (r.failure) process.stderr.write(`run-in-vm: ${r.failure}\n`);
  process.stderr.write(`run-in-vm: boot ${r.bootMs === null ? '-' : `${(r.bootMs / 1000).toFixed(1)} s`}, total ${(r.wallMs / 1000).toFixed(1)} s, exit ${r.exitCode ?? '-'}\n`);
  process.exit(r.timedOut ? EXIT_TIMEOUT : r.exitCode ?? EXIT_VM_FAILED);
}
