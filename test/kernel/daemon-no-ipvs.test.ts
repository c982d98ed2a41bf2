/**
 * `start` on a kernel without IPVS: scenario 10 of the kernel suite. The VM has IPVS, and a
 * network namespace would not help (IPVS is per namespace, so a fresh one has an empty table, not
 * none), so the test takes IPVS away for real: it turns off the kernel's module loading (an empty
 * /proc/sys/kernel/modprobe), unloads ip_vs and its schedulers, and checks with ipvsadm that
 * there is no IPVS. That is a host whose kernel has no ip_vs available. Afterwards it restores
 * the module loader and brings back every module that was loaded, through the kernel's own
 * on-demand loading (the IPVS genetlink family alias, a service per scheduler).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DaemonUnderTest, isAlive, report } from './helpers/daemon.js';
import { ipvsadm, resetIpvs } from './helpers/ipvsadm.js';

const run = promisify(execFile);
const MODPROBE = '/proc/sys/kernel/modprobe';
const SCRATCH_SERVICE = '10.255.255.1:1';

/** The IPVS modules loaded now, e.g. `['ip_vs', 'ip_vs_rr', ...]`. */
function ipvsModules(): string[] {
  return readFileSync('/proc/modules', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((m) => m === 'ip_vs' || m.startsWith('ip_vs_'))
    .sort();
}

/** Live processes whose command line mentions `text` (the daemon has no pid file to find it by). */
function processesNaming(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes(text) && isAlive(Number(entry))) pids.push(Number(entry));
  }
  return pids;
}

describe('`start` when the kernel has no IPVS', { timeout: 300_000 }, () => {
  const d = new DaemonUnderTest('noipvs');
  let modprobe = '';
  let loaded: string[] = [];

  beforeAll(async () => {
    await resetIpvs();
    modprobe = readFileSync(MODPROBE, 'utf8').trim();
    loaded = ipvsModules();
    expect(loaded).toContain('ip_vs');
    d.writeConfig(`checkinterval=1
checktimeout=1
logfile="${d.logPath}"

virtual=10.1.9.1:80
	real=127.0.0.2:80 masq
	checktype=connect
`);
  });

  afterEach((ctx) => d.printLogIfFailed(ctx.task));
  afterAll(async () => {
    await d.dispose();
    writeFileSync(MODPROBE, `${modprobe}\n`);
    // Resolving the IPVS family makes the kernel load ip_vs (module alias), and naming a
    // scheduler or persistence engine loads its module.
    await ipvsadm('-Ln');
    for (const m of loaded) {
      const sched = /^ip_vs_(?!pe_)(\w+)$/.exec(m)?.[1];
      const pe = /^ip_vs_pe_(\w+)$/.exec(m)?.[1];
      if (sched === undefined && pe === undefined) continue;
      await ipvsadm('-A', '-u', SCRATCH_SERVICE, '-s', sched ?? 'rr', ...(pe ? ['-p', '1', '--pe', pe] : []));
      await ipvsadm('-D', '-u', SCRATCH_SERVICE);
    }
    expect(ipvsModules()).toEqual(expect.arrayContaining(loaded));
    await resetIpvs();
  });

  it('10. exits 1 with the reason on stderr and in the log, leaving no pid file and no daemon', async () => {
    writeFileSync(MODPROBE, '\n');
    const modules = ipvsModules();
    await run('rmmod', modules.filter((m) => m !== 'ip_vs'));
    await run('rmmod', ['ip_vs']);
    expect(ipvsModules()).toEqual([]);
    expect(existsSync('/proc/net/ip_vs')).toBe(false);
    await expect(ipvsadm('-Ln')).rejects.toThrow(/Protocol not available/);

    const result = await d.cli('start');
    report(`no-ipvs: \`start\` failed after ${(result.ms / 1000).toFixed(1)} s`);
    const reason = 'IPVS is not available: the ip_vs kernel module is not loaded and could not be loaded (try `modprobe ip_vs`).';
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${reason}\n`);
    const log = d.messages();
    expect(log).toContain(reason);
    expect(log.at(-1)).toBe('Exiting with exit_status 1: Initialisation Error');
    expect(d.pid()).toBeUndefined();
    expect(processesNaming(d.configPath)).toEqual([]);
    // Nothing loaded IPVS behind the test's back.
    expect(ipvsModules()).toEqual([]);
  });
});
