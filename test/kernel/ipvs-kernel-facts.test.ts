/**
 * Facts about the 6.1 kernel's IPVS table that the reconciler relies on (docs/kernel-suite.md,
 * "Observed facts"). Each is pinned twice: what ipvsadm does with a command line, and what the
 * kernel itself stores when sent raw netlink without ipvsadm's rewriting (helpers/raw-ipvs.ts).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ipvsadm, readIpvs, resetIpvs } from './helpers/ipvsadm.js';
import { FWD, RawIpvs } from './helpers/raw-ipvs.js';

const run = promisify(execFile);
const VIP = { tcp: '10.1.1.1', port: 80 } as const;

let raw: RawIpvs;
beforeAll(async () => {
  raw = await RawIpvs.open();
});
afterAll(() => raw.close());
// A file before this one may have left entries; each test leaves the table empty for the next.
beforeAll(resetIpvs);
afterEach(resetIpvs);

describe('(a) a gate/ipip dest whose port differs from the service port', () => {
  it('ipvsadm rewrites the port to the service port for -g and -i, keeps it for -m', async () => {
    await ipvsadm('-A', '-t', '10.1.1.1:80', '-s', 'wrr');
    await ipvsadm('-a', '-t', '10.1.1.1:80', '-r', '10.1.1.2:8080', '-g', '-w', '1');
    await ipvsadm('-a', '-t', '10.1.1.1:80', '-r', '10.1.1.3:8080', '-i', '-w', '1');
    await ipvsadm('-a', '-t', '10.1.1.1:80', '-r', '10.1.1.4:8080', '-m', '-w', '1');
    const [svc] = await readIpvs();
    expect(svc?.dests.map((d) => `${d.address} ${d.forward}`)).toEqual([
      '10.1.1.2:80 route',
      '10.1.1.3:80 tunnel',
      '10.1.1.4:8080 masq',
    ]);
    // ...and the kernel got port 80 from ipvsadm: the rewrite happens before sending.
    expect((await raw.dests(VIP)).map((d) => d.port).sort()).toEqual([80, 80, 8080]);
  });

  it('the kernel itself stores whatever port it is sent, for every forwarding method', async () => {
    await raw.addService(VIP, 'wrr');
    await raw.addDest(VIP, { address: '10.1.1.2', port: 8080, fwd: FWD.route, weight: 1 });
    await raw.addDest(VIP, { address: '10.1.1.3', port: 8080, fwd: FWD.tunnel, weight: 1 });
    await raw.addDest(VIP, { address: '10.1.1.4', port: 8081, fwd: FWD.masq, weight: 1 });
    const [svc] = await readIpvs();
    expect(svc?.dests.map((d) => `${d.address} ${d.forward}`)).toEqual([
      '10.1.1.2:8080 route',
      '10.1.1.3:8080 tunnel',
      '10.1.1.4:8081 masq',
    ]);
  });
});

describe('(b) a dest whose address is local to the director', () => {
  it('keeps the forwarding method it was given; nothing turns it into Local', async () => {
    await run('ip', ['addr', 'add', '10.9.9.9/32', 'dev', 'lo']);
    try {
      await ipvsadm('-A', '-t', '10.1.1.1:80', '-s', 'rr');
      await ipvsadm('-a', '-t', '10.1.1.1:80', '-r', '127.0.0.1:80', '-m');
      await ipvsadm('-a', '-t', '10.1.1.1:80', '-r', '127.0.0.2:80', '-g');
      await ipvsadm('-a', '-t', '10.1.1.1:80', '-r', '10.9.9.9:80', '-g');
      await ipvsadm('-a', '-t', '10.1.1.1:80', '-r', '10.9.9.9:81', '-m');
      const [svc] = await readIpvs();
      expect(svc?.dests.map((d) => `${d.address} ${d.forward}`)).toEqual([
        '10.9.9.9:80 route',
        '10.9.9.9:81 masq',
        '127.0.0.1:80 masq',
        '127.0.0.2:80 route',
      ]);
      expect((await raw.dests(VIP)).map((d) => d.fwd).sort()).toEqual([FWD.masq, FWD.masq, FWD.route, FWD.route]);
    } finally {
      await run('ip', ['addr', 'del', '10.9.9.9/32', 'dev', 'lo']);
    }
  });

  it('shows Local only when LOCALNODE is sent explicitly, and accepts it for a remote address', async () => {
    await raw.addService(VIP, 'rr');
    await raw.addDest(VIP, { address: '10.1.1.5', port: 80, fwd: FWD.local, weight: 1 });
    const [svc] = await readIpvs();
    expect(svc?.dests).toEqual([{ address: '10.1.1.5:80', forward: 'local', weight: 1, upperThreshold: 0, lowerThreshold: 0 }]);
  });
});

describe('(c) dest ports on a fwmark service', () => {
  it('ipvsadm keeps the given port for every method, and 0 when none is given', async () => {
    await ipvsadm('-A', '-f', '7', '-s', 'rr');
    await ipvsadm('-a', '-f', '7', '-r', '10.1.1.2:8080', '-g');
    await ipvsadm('-a', '-f', '7', '-r', '10.1.1.3', '-g');
    await ipvsadm('-a', '-f', '7', '-r', '10.1.1.4:90', '-i');
    await ipvsadm('-a', '-f', '7', '-r', '10.1.1.5:91', '-m');
    await ipvsadm('-a', '-f', '7', '-r', '10.1.1.6', '-m');
    const [svc] = await readIpvs();
    expect(svc?.service).toBe('FWM 7');
    expect(svc?.dests.map((d) => `${d.address} ${d.forward}`)).toEqual([
      '10.1.1.2:8080 route',
      '10.1.1.3:0 route',
      '10.1.1.4:90 tunnel',
      '10.1.1.5:91 masq',
      '10.1.1.6:0 masq',
    ]);
    expect((await raw.dests({ fwmark: 7 })).map((d) => d.port).sort((a, b) => a - b)).toEqual([0, 0, 90, 91, 8080]);
  });
});
