import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { pingCheck } from '../../src/checks/ping.js';
import type { CheckResult, CheckSpecOf } from '../../src/checks/types.js';
import { LOOPBACKS, type LoopbackHost } from '../helpers/servers.js';
import { targetOf, within } from './support.js';

const runner = fileURLToPath(new URL('./fixtures/run-check.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

interface Job {
  readonly spec: CheckSpecOf<'ping'>;
  readonly deadlineMs: number;
}

/**
 * Runs ping checks inside a fresh network namespace (`unshare -n`, needs root) after `setup`, so
 * that loopback can be down or silent there while the host's stays untouched. One process runs
 * all the jobs, concurrently.
 */
async function pingInNamespace(setup: string, jobs: readonly Job[]): Promise<CheckResult[]> {
  const cmd = `${setup}\nexec "$0" --import tsx "$1" "$2"`;
  const { stdout } = await promisify(execFile)('unshare', ['-n', 'sh', '-ec', cmd, process.execPath, runner, JSON.stringify(jobs)], { cwd: repoRoot });
  return JSON.parse(stdout) as CheckResult[];
}

const ping = (host: LoopbackHost, count: number, attemptTimeoutMs: number): CheckSpecOf<'ping'> =>
  ({ kind: 'ping', target: targetOf(host, 0), count, attemptTimeoutMs });

/** In a new namespace loopback is down: no route, nor (for IPv6) even an address. */
const LO_DOWN = 'true';
/** Loopback up, but the kernel ignores echo requests. */
const SILENT = 'ip link set lo up\nsysctl -qw net.ipv4.icmp_echo_ignore_all=1 net.ipv6.icmp.echo_ignore_all=1';

const unreachable = new Map<LoopbackHost, CheckResult>();
const silent = new Map<LoopbackHost, CheckResult>();
const cutShort = new Map<LoopbackHost, CheckResult>();

beforeAll(async () => {
  const [down, quiet] = await Promise.all([
    pingInNamespace(LO_DOWN, LOOPBACKS.map((h) => ({ spec: ping(h, 2, 200), deadlineMs: 5000 }))),
    pingInNamespace(SILENT, LOOPBACKS.flatMap((h) => [{ spec: ping(h, 2, 200), deadlineMs: 5000 }, { spec: ping(h, 5, 1000), deadlineMs: 300 }])),
  ]);
  LOOPBACKS.forEach((h, i) => {
    unreachable.set(h, down[i]!);
    silent.set(h, quiet[2 * i]!);
    cutShort.set(h, quiet[2 * i + 1]!);
  });
});

describe.each(LOOPBACKS)('ping check of %s', (host) => {
  const escaped = host.replace(/\./g, '\\.');

  it('is up on an echo reply, giving the round trip', async () => {
    const r = await within(5000, (sig) => pingCheck(ping(host, 1, 2000), sig));
    expect(r.ok).toBe(true);
    expect(r.detail).toMatch(new RegExp(`^echo reply from ${escaped} in [\\d.]+ ?ms \\(attempt 1/1\\)$`));
  });

  it('is down with unreachable where the network is unreachable (namespace with loopback down)', () => {
    const r = unreachable.get(host);
    expect(r).toMatchObject({ ok: false, reason: 'unreachable' });
    expect(r?.detail).toMatch(new RegExp(`^ping ${escaped}: ping: connect: (Network is unreachable|Cannot assign requested address) \\(2 attempts\\)$`));
  });

  it('is down with timeout after count attempts with no reply (namespace that ignores echo requests)', () => {
    expect(silent.get(host)).toMatchObject({ ok: false, reason: 'timeout', detail: `ping ${host}: no echo reply within 200 ms (2 attempts)` });
  });

  it('stops at the deadline even when attempts remain', () => {
    expect(cutShort.get(host)).toMatchObject({ ok: false, reason: 'timeout', detail: `ping ${host}: deadline of 300 ms exceeded (attempt 1/5)` });
  });
});
