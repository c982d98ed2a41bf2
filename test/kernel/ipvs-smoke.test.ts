/**
 * The guest really has IPVS: tables written with ipvsadm read back exactly through `ipvsadm -Ln`
 * (helpers/ipvsadm.ts). If this file fails, no other kernel test means anything.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KernelDest } from './helpers/ipvsadm.js';
import { ipvsadm, readIpvs, resetIpvs } from './helpers/ipvsadm.js';

const dest = (address: string, forward: KernelDest['forward'], weight: number, upperThreshold = 0, lowerThreshold = 0): KernelDest => ({
  address, forward, weight, upperThreshold, lowerThreshold,
});
const plain = { schedFlags: [], persistent: null, netmask: null, pe: null, ops: false } as const;

// A file before this one may have left entries; each test leaves the table empty for the next.
beforeAll(resetIpvs);
afterEach(resetIpvs);

describe('IPVS in the kernel-suite VM', () => {
  it('has the IPVS module loaded and an empty table', async () => {
    expect(readFileSync('/proc/net/ip_vs', 'utf8')).toMatch(/^IP Virtual Server version 1\.2\.1/);
    expect(await ipvsadm('-Ln')).toMatch(/^IP Virtual Server version 1\.2\.1 \(size=\d+\)\n/);
    expect(await readIpvs()).toEqual([]);
  });

  it('adds a wrr service with a gate real of weight 3', async () => {
    await ipvsadm('-A', '-t', '10.1.1.1:80', '-s', 'wrr');
    await ipvsadm('-a', '-t', '10.1.1.1:80', '-r', '10.1.1.2:80', '-g', '-w', '3');
    await ipvsadm('-a', '-t', '10.1.1.1:80', '-r', '10.1.1.3:80', '-m', '-w', '1');
    await ipvsadm('-a', '-t', '10.1.1.1:80', '-r', '10.1.1.4:80', '-i', '-w', '0');
    expect(await readIpvs()).toEqual([
      {
        service: 'TCP 10.1.1.1:80', scheduler: 'wrr', ...plain,
        dests: [dest('10.1.1.2:80', 'route', 3), dest('10.1.1.3:80', 'masq', 1), dest('10.1.1.4:80', 'tunnel', 0)],
      },
    ]);
  });

  it('edits a weight and deletes a real', async () => {
    await ipvsadm('-A', '-t', '10.1.1.1:80', '-s', 'wrr');
    await ipvsadm('-a', '-t', '10.1.1.1:80', '-r', '10.1.1.2:80', '-g', '-w', '3');
    await ipvsadm('-a', '-t', '10.1.1.1:80', '-r', '10.1.1.3:80', '-g', '-w', '3');
    await ipvsadm('-e', '-t', '10.1.1.1:80', '-r', '10.1.1.2:80', '-g', '-w', '0');
    await ipvsadm('-d', '-t', '10.1.1.1:80', '-r', '10.1.1.3:80');
    expect((await readIpvs())[0]?.dests).toEqual([dest('10.1.1.2:80', 'route', 0)]);
  });

  it('shows persistence with a netmask', async () => {
    await ipvsadm('-A', '-t', '10.1.1.9:443', '-s', 'rr', '-p', '300', '-M', '255.255.255.0');
    await ipvsadm('-A', '-t', '10.1.1.10:443', '-s', 'rr', '-p');
    await ipvsadm('-a', '-t', '10.1.1.9:443', '-r', '10.1.1.2:443', '-g');
    expect(await readIpvs()).toEqual([
      { service: 'TCP 10.1.1.9:443', scheduler: 'rr', ...plain, persistent: 300, netmask: '255.255.255.0', dests: [dest('10.1.1.2:443', 'route', 1)] },
      { service: 'TCP 10.1.1.10:443', scheduler: 'rr', ...plain, persistent: 360, dests: [] },
    ]);
  });

  it('handles an IPv6 service with IPv6 reals, persistence and a prefix netmask', async () => {
    await ipvsadm('-A', '-t', '[2001:db8::1]:80', '-s', 'wlc', '-p', '60', '-M', '64');
    await ipvsadm('-a', '-t', '[2001:db8::1]:80', '-r', '[2001:db8::2]:80', '-m', '-w', '2');
    await ipvsadm('-a', '-t', '[2001:db8::1]:80', '-r', '[::1]:80', '-m', '-w', '5');
    expect(await readIpvs()).toEqual([
      {
        service: 'TCP [2001:db8::1]:80', scheduler: 'wlc', ...plain, persistent: 60, netmask: '64',
        dests: [dest('[::1]:80', 'masq', 5), dest('[2001:db8::2]:80', 'masq', 2)],
      },
    ]);
  });

  it('handles fwmark services, IPv4 and IPv6, with scheduler flags', async () => {
    await ipvsadm('-A', '-f', '5', '-s', 'sh', '-b', 'sh-port,sh-fallback');
    await ipvsadm('-a', '-f', '5', '-r', '10.1.1.2:80', '-g', '-w', '2');
    await ipvsadm('-A', '-f', '6', '-6', '-s', 'rr');
    await ipvsadm('-a', '-f', '6', '-6', '-r', '[2001:db8::3]:80', '-g');
    expect(await readIpvs()).toEqual([
      { service: 'FWM 5', scheduler: 'sh', ...plain, schedFlags: ['sh-fallback', 'sh-port'], dests: [dest('10.1.1.2:80', 'route', 2)] },
      { service: 'FWM 6 IPv6', scheduler: 'rr', ...plain, dests: [dest('[2001:db8::3]:80', 'route', 1)] },
    ]);
  });

  it('handles a udp service with one-packet scheduling', async () => {
    await ipvsadm('-A', '-u', '10.1.1.1:53', '-s', 'rr', '-o');
    await ipvsadm('-a', '-u', '10.1.1.1:53', '-r', '10.1.1.2:53', '-m');
    expect(await readIpvs()).toEqual([
      { service: 'UDP 10.1.1.1:53', scheduler: 'rr', ...plain, ops: true, dests: [dest('10.1.1.2:53', 'masq', 1)] },
    ]);
  });

  it('stores upper and lower connection thresholds', async () => {
    await ipvsadm('-A', '-t', '10.1.1.1:80', '-s', 'wlc');
    await ipvsadm('-a', '-t', '10.1.1.1:80', '-r', '10.1.1.2:80', '-m', '-w', '2', '-x', '100', '-y', '10');
    await ipvsadm('-a', '-t', '10.1.1.1:80', '-r', '10.1.1.3:80', '-m', '-x', '50');
    expect((await readIpvs())[0]?.dests).toEqual([dest('10.1.1.2:80', 'masq', 2, 100, 10), dest('10.1.1.3:80', 'masq', 1, 50, 0)]);
    expect(await ipvsadm('-Ln', '--thresholds')).toMatch(/-> 10\.1\.1\.2:80\s+100\s+10\s/);
  });

  it('rejects a lower threshold above the upper one (ERANGE)', async () => {
    await ipvsadm('-A', '-t', '10.1.1.1:80', '-s', 'wlc');
    await expect(ipvsadm('-a', '-t', '10.1.1.1:80', '-r', '10.1.1.2:80', '-m', '-x', '10', '-y', '20')).rejects.toThrow(/ipvsadm/);
    expect((await readIpvs())[0]?.dests).toEqual([]);
  });

  it('accepts every scheduler the kernel has, and rejects an unknown one', async () => {
    const schedulers = (process.env.IPVS_SCHEDULERS ?? '').split(/\s+/).filter(Boolean);
    expect(schedulers).toEqual(expect.arrayContaining(['rr', 'wrr', 'lc', 'wlc', 'sh', 'dh']));
    const services = schedulers.map((s, i) => ({ s, vip: `10.3.0.${i + 1}:80` }));
    for (const { s, vip } of services) await ipvsadm('-A', '-t', vip, '-s', s);
    expect((await readIpvs()).map((svc) => `${svc.service} ${svc.scheduler}`)).toEqual(services.map(({ s, vip }) => `TCP ${vip} ${s}`));
    await expect(ipvsadm('-A', '-t', '10.3.1.1:80', '-s', 'nosuchsched')).rejects.toThrow(/Scheduler or persistence engine not found/);
  });

  it('clears everything with ipvsadm -C', async () => {
    await ipvsadm('-A', '-t', '10.1.1.1:80', '-s', 'rr');
    await ipvsadm('-a', '-t', '10.1.1.1:80', '-r', '10.1.1.2:80', '-g');
    await ipvsadm('-A', '-u', '10.1.1.1:53', '-s', 'rr');
    await ipvsadm('-A', '-f', '9', '-s', 'rr');
    await ipvsadm('-A', '-t', '[2001:db8::1]:443', '-s', 'rr');
    expect(await readIpvs()).toHaveLength(4);
    await ipvsadm('-C');
    expect(await readIpvs()).toEqual([]);
  });
});
