/**
 * `npx tsx bench/health.ts [--reals 2000] [--seconds 30] [--warmup 5] [--virtuals 20] [--check http|connect]`
 *
 * The health engine at scale: the real Daemon (config parser, plans, scheduler, health store,
 * desired table, reconciler on the in-memory IPVS backend, real HTTP checker through undici)
 * checking N HTTP reals at checkinterval=1. The reals are served by a separate node process on
 * 127.0.0.1 (one listener per real), so the figures are the daemon's alone. Prints checks per
 * second, whether every real was checked every second, the p50/p99 lateness of check starts,
 * the daemon's CPU share and RSS, and the machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, hostname, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { runCheck } from '../src/checks/registry.js';
import type { CheckResult, CheckSpec } from '../src/checks/types.js';
import { loadConfigText } from '../src/config/load.js';
import { Daemon } from '../src/daemon/daemon.js';
import { MemoryIpvsBackend } from '../src/ipvs/memory-backend.js';
import { nullLog } from '../src/observe/log.js';
import { systemClock } from '../src/util/clock.js';

const SERVER = `
const http = require('node:http');
const n = Number(process.argv[process.argv.length - 1]);
const ports = [];
let open = 0;
for (let i = 0; i < n; i++) {
  const s = http.createServer((q, r) => r.end('OK\\n'));
  s.keepAliveTimeout = 1000;
  s.listen(0, '127.0.0.1', () => { ports[i] = s.address().port; if (++open === n) process.send(ports); });
}`;

async function startServers(n: number): Promise<{ child: ChildProcess; ports: number[] }> {
  const child = spawn(process.execPath, ['-e', SERVER, '--', String(n)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ports = await new Promise<number[]>((resolve, reject) => {
    child.once('message', (m) => resolve(m as number[]));
    child.once('exit', (code) => reject(new Error(`server process exited ${code}`)));
  });
  return { child, ports };
}

function configText(ports: readonly number[], virtuals: number, check: string): string {
  const lines = ['checkinterval=1', 'checktimeout=1', 'negotiatetimeout=1', 'quiescent=yes', ''];
  const per = Math.ceil(ports.length / virtuals);
  for (let v = 0; v < virtuals; v++) {
    const slice = ports.slice(v * per, (v + 1) * per);
    if (slice.length === 0) break;
    lines.push(`virtual=10.${(v >> 8) & 255}.${v & 255}.1:80`);
    lines.push(...(check === 'connect' ? ['\tchecktype=connect'] : ['\tservice=http', '\trequest="/"', '\treceive="OK"']));
    for (const p of slice) lines.push(`\treal=127.0.0.1:${p} masq 1`);
  }
  return `${lines.join('\n')}\n`;
}

function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function main(): Promise<void> {
  // As scripts/ldirectord-ng.js runs the daemon: no source-mapped stack traces (see there).
  process.setSourceMapsEnabled(false);
  const { values } = parseArgs({
    options: { reals: { type: 'string', default: '2000' }, seconds: { type: 'string', default: '30' }, warmup: { type: 'string', default: '5' }, virtuals: { type: 'string', default: '20' }, check: { type: 'string', default: 'http' } },
  });
  const reals = Number(values.reals);
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  const { child, ports } = await startServers(reals);
  const loaded = await loadConfigText(configText(ports, Number(values.virtuals), values.check), 'bench-health.cf', { checkPaths: false });
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'));

  const perTarget = new Map<string, number>();
  let counting = false;
  const failures = new Map<string, number>();
  const counted = async (spec: CheckSpec, signal: AbortSignal): Promise<CheckResult> => {
    const r = await runCheck(spec, signal);
    if (counting && 'target' in spec) {
      const k = `${spec.target.address}:${spec.target.port}`;
      perTarget.set(k, (perTarget.get(k) ?? 0) + 1);
      if (!r.ok) failures.set(r.reason, (failures.get(r.reason) ?? 0) + 1);
    }
    return r;
  };
  const daemon = new Daemon(loaded.config, {
    backend: new MemoryIpvsBackend(), clock: systemClock, log: nullLog, runCheck: counted,
    shell: async () => ({ code: 0 }), hostname: hostname(), pid: process.pid,
  });
  await daemon.start();
  await new Promise((r) => setTimeout(r, warmup * 1000));

  daemon.status(); // resets the scheduler's lateness window
  const before = daemon.status().scheduler;
  counting = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let rssMax = 0;
  const sampler = setInterval(() => { rssMax = Math.max(rssMax, process.memoryUsage().rss); }, 200);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  counting = false;
  clearInterval(sampler);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const after = daemon.status().scheduler;
  await daemon.stop();
  child.kill();

  const lateness = [...after.lateness.samples].sort((a, b) => a - b);
  const counts = [...perTarget.values()];
  const minPerReal = counts.length === reals ? Math.min(...counts) : 0;
  const checks = after.completed - before.completed;
  const cpuShare = (cpu.user + cpu.system) / 1000 / wallMs;
  const out = [
    `bench/health: ${reals} reals, ${values.check === 'connect' ? 'TCP connect' : 'HTTP GET (negotiate)'} checks at checkinterval=1 for ${seconds} s (after ${warmup} s warm-up), ${Number(values.virtuals)} virtuals`,
    `  checks/s             ${(checks / (wallMs / 1000)).toFixed(0)} (expected ${reals})`,
    `  every real each second: ${minPerReal >= seconds - 1 ? 'yes' : 'NO'} (min ${minPerReal}, max ${Math.max(0, ...counts)} checks per real over ${seconds} s; ${perTarget.size}/${reals} reals seen)`,
    `  failed checks        ${[...failures].map(([k, v]) => `${k}=${v}`).join(' ') || 'none'}`,
    `  deferred ticks       ${after.deferred - before.deferred}, skipped (busy) ${after.skippedBusy - before.skippedBusy}, missed ticks ${after.missed - before.missed}`,
    `  start lateness       p50 ${pct(lateness, 50).toFixed(1)} ms, p99 ${pct(lateness, 99).toFixed(1)} ms, max ${pct(lateness, 100).toFixed(1)} ms (${lateness.length} samples)`,
    `  CPU                  ${(cpuShare * 100).toFixed(1)}% of one core (user ${(cpu.user / 1e6).toFixed(1)} s, system ${(cpu.system / 1e6).toFixed(1)} s)`,
    `  RSS                  max ${(rssMax / 2 ** 20).toFixed(0)} MiB`,
    `  machine              ${cpus()[0]?.model ?? '?'} x${cpus().length}, node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
