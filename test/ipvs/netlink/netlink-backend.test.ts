// NetlinkIpvsBackend. First against this machine's real kernel, which has no IPVS: open() must
// say so in one sentence, and kernel refusals must become IpvsErrors that name command, rule and
// errno. Then the outcomes only an IPVS kernel can produce (EEXIST, ESRCH, dumps with content),
// from a scripted kernel, because IPVS cannot run here; the VM suite runs the same backend for real.
import { describe, expect, it } from 'vitest';
import { MemoryLog } from '../../../src/observe/log.js';
import { IpvsError, IpvsUnavailableError } from '../../../src/ipvs/ipvs-error.js';
import type { GenlReply, GenlRequest, GenlTransport } from '../../../src/ipvs/netlink/genl-socket.js';
import { GenlSocket } from '../../../src/ipvs/netlink/genl-socket.js';
import { NetlinkIpvsBackend } from '../../../src/ipvs/netlink/netlink-backend.js';
import type { IpvsDest, IpvsOp, ServiceId } from '../../../src/ipvs/types.js';
import { hex } from './hex.js';

const vip: ServiceId = { kind: 'addr', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80 };
const gate: IpvsDest = { family: 4, address: '10.0.0.2', port: 80, forward: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0 };
const addDest: IpvsOp = { op: 'add-dest', id: vip, dest: gate };

const MODULE_SENTENCE = 'IPVS is not available: the ip_vs kernel module is not loaded and could not be loaded (try `modprobe ip_vs`).';

describe('NetlinkIpvsBackend on this host (real generic netlink, no IPVS)', () => {
  it('open() rejects with IpvsUnavailableError and one clear sentence', async () => {
    const err = await NetlinkIpvsBackend.open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpvsUnavailableError);
    expect(err).toMatchObject({ code: 'LD_ERR_IPVS_UNAVAILABLE', message: MODULE_SENTENCE });
  });

  it('turns a kernel refusal into an IpvsError naming command, rule and errno', async () => {
    // nlctrl (id 16) stands in for the IPVS family: it refuses IPVS's command numbers with EOPNOTSUPP.
    const backend = new NetlinkIpvsBackend(GenlSocket.open(), 16);
    try {
      const err = await backend.apply(addDest).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IpvsError);
      expect(err).toMatchObject({
        op: addDest,
        errno: 95,
        errnoName: 'EOPNOTSUPP',
        message: 'IPVS NEW_DEST tcp 10.0.0.1:80 -> 10.0.0.2:80 (route, weight 1) failed: EOPNOTSUPP (operation not supported)',
      });
      await expect(backend.dump()).rejects.toThrow('IPVS GET_SERVICE dump failed: EOPNOTSUPP (operation not supported)');
    } finally {
      await backend.close();
    }
  });

  it('reports a vanished IPVS family (stale id, no family to re-resolve) on apply and dump', async () => {
    const backend = new NetlinkIpvsBackend(GenlSocket.open(), 1023);
    try {
      await expect(backend.apply({ op: 'del-service', id: vip })).rejects.toMatchObject({
        errno: 2,
        message: 'IPVS DEL_SERVICE tcp 10.0.0.1:80 failed: ENOENT (the IPVS netlink family is gone; was the ip_vs module unloaded?)',
      });
      await expect(backend.version()).rejects.toThrow('IPVS GET_INFO failed: ENOENT');
    } finally {
      await backend.close();
    }
  });

  it('rejects an op it cannot encode with IpvsError errno 0, before sending anything', async () => {
    const backend = new NetlinkIpvsBackend(GenlSocket.open(), 16);
    try {
      const op: IpvsOp = { op: 'add-service', service: { id: vip, scheduler: 'much-too-long-name', flags: 0, timeoutSec: 0, netmask: '255.255.255.255' } };
      await expect(backend.apply(op)).rejects.toMatchObject({ errno: 0, message: expect.stringMatching(/^IPVS NEW_SERVICE tcp 10\.0\.0\.1:80 \(much-too-long-name\) failed: scheduler name must be/) });
    } finally {
      await backend.close();
    }
  });
});

/** Answers each request from a script, in order, and records what it was sent. */
class ScriptedKernel implements GenlTransport {
  readonly sent: GenlRequest[] = [];
  closed = false;
  constructor(
    private readonly answers: ((req: GenlRequest) => GenlReply)[],
    private readonly familyIds: number[] = [],
  ) {}
  async request(req: GenlRequest): Promise<GenlReply> {
    this.sent.push(req);
    const answer = this.answers.shift();
    if (answer === undefined) throw new Error(`unscripted request cmd ${req.cmd}`);
    return answer(req);
  }
  async resolveFamily(): Promise<number> {
    const id = this.familyIds.shift();
    if (id === undefined) throw new Error('unscripted family lookup');
    return id;
  }
  close(): void {
    this.closed = true;
  }
}

const errno = (n: number) => (): GenlReply => ({ kind: 'error', errno: n });
const ack = (): GenlReply => ({ kind: 'ok', messages: [] });
const parts = (cmd: number, ...payloads: string[]) => (req: GenlRequest): GenlReply => ({
  kind: 'ok',
  messages: payloads.map((p, i) => ({ family: req.family, flags: 2, seq: i, cmd, version: 1, payload: hex(p) })),
});

const SERVICE_TCP = `54000100 06000100 0200 0000 06000200 0600 0000 14000300 0a000001 00×12 06000400 0050 0000
  08000600 77727200 0c000700 02000000 ffffffff 08000800 00000000 08000900 ffffffff`;
const SERVICE_FWM6 = `38000100 06000100 0a00 0000 08000500 05000000 07000600 727200 00
  0c000700 03000000 ffffffff 08000800 2c010000 08000900 80000000`;
const SERVICE_ESP = `1c000100 06000100 0200 0000 06000200 3200 0000 08000500 00000000`;
const dest = (last: string, weight: string, active: string) => `5e000200 14000100 0a0000${last} 00×12 06000200 0050 0000
  08000300 03000000 08000400 ${weight}000000 08000500 00000000 08000600 00000000
  08000700 ${active}000000 08000800 00000000 08000900 00000000 06000b00 0200 0000`;

describe('NetlinkIpvsBackend outcomes only IPVS produces (scripted kernel: IPVS cannot run here)', () => {
  let kernel: ScriptedKernel;

  it.each<[string, IpvsOp, number]>([
    ['EEXIST on add-service', { op: 'add-service', service: { id: vip, scheduler: 'wrr', flags: 0, timeoutSec: 0, netmask: '255.255.255.255' } }, 17],
    ['EEXIST on add-dest', addDest, 17],
    ['ESRCH on del-service', { op: 'del-service', id: vip }, 3],
    ['ESRCH on del-dest', { op: 'del-dest', id: vip, dest: gate }, 3],
    ['ENOENT on del-dest', { op: 'del-dest', id: vip, dest: gate }, 2],
  ])('%s counts as success', async (_what, op, n) => {
    kernel = new ScriptedKernel([errno(n)], [40]);
    await expect(new NetlinkIpvsBackend(kernel, 40).apply(op)).resolves.toBeUndefined();
  });

  it.each<[string, IpvsOp, number, string]>([
    ['ESRCH on add-dest', addDest, 3, 'IPVS NEW_DEST tcp 10.0.0.1:80 -> 10.0.0.2:80 (route, weight 1) failed: ESRCH (service not defined)'],
    ['ENOENT on edit-dest', { op: 'edit-dest', id: vip, dest: { ...gate, weight: 0, upperThreshold: 9 } }, 2,
      'IPVS SET_DEST tcp 10.0.0.1:80 -> 10.0.0.2:80 (route, weight 0, upper threshold 9) failed: ENOENT (no such destination)'],
    ['EEXIST on del-dest', { op: 'del-dest', id: vip, dest: gate }, 17, 'IPVS DEL_DEST tcp 10.0.0.1:80 -> 10.0.0.2:80 failed: EEXIST (destination already exists)'],
    ['ENOENT on add-service (scheduler)', { op: 'add-service', service: { id: { kind: 'fwmark', family: 4, mark: 3 }, scheduler: 'nope', flags: 1, timeoutSec: 60, netmask: '255.255.255.0' } }, 2,
      'IPVS NEW_SERVICE fwm 3 (nope, persistent 60, netmask 255.255.255.0) failed: ENOENT (scheduler or persistence engine not found)'],
    ['ERANGE on edit-dest', { op: 'edit-dest', id: vip, dest: { ...gate, upperThreshold: 1, lowerThreshold: 5 } }, 34,
      'IPVS SET_DEST tcp 10.0.0.1:80 -> 10.0.0.2:80 (route, weight 1, upper threshold 1, lower threshold 5) failed: ERANGE (weight or threshold out of range (negative weight, or lower threshold above upper))'],
  ])('%s rejects with the rule and the errno', async (_what, op, n, message) => {
    kernel = new ScriptedKernel([errno(n)], [40]);
    const err = await new NetlinkIpvsBackend(kernel, 40).apply(op).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpvsError);
    expect(err).toMatchObject({ op, errno: n, message });
  });

  it('retries at the new family id when ENOENT came from a reloaded module', async () => {
    kernel = new ScriptedKernel([errno(2), ack], [41]);
    await new NetlinkIpvsBackend(kernel, 40).apply(addDest);
    expect(kernel.sent.map((r) => [r.family, r.cmd])).toEqual([[40, 5], [41, 5]]);
  });

  it('dump(): services dump, then one dests dump per service, stats kept; entries we cannot hold are logged once and left out', async () => {
    const log = new MemoryLog();
    const script = () => [
      parts(1, SERVICE_TCP, SERVICE_ESP, SERVICE_FWM6),
      parts(5, dest('03', '05', '07'), dest('02', '00', '00')),
      parts(5),
    ];
    kernel = new ScriptedKernel([...script(), ...script()]);
    const backend = new NetlinkIpvsBackend(kernel, 40, { log });
    const table = await backend.dump();
    expect(kernel.sent.map((r) => [r.cmd, r.dump])).toEqual([[4, true], [8, true], [8, true]]);
    expect([...table.keys()]).toEqual(['tcp 10.0.0.1:80', 'fwm6 5']);
    const tcp = table.get('tcp 10.0.0.1:80' as never);
    expect(tcp?.service).toEqual({ id: vip, scheduler: 'wrr', flags: 0, timeoutSec: 0, netmask: '255.255.255.255' });
    expect([...(tcp?.dests.keys() ?? [])]).toEqual(['10.0.0.3:80', '10.0.0.2:80']);
    expect(tcp?.dests.get('10.0.0.3:80' as never)).toEqual({ ...gate, address: '10.0.0.3', weight: 5 });
    expect(tcp?.stats?.get('10.0.0.3:80' as never)).toEqual({ activeConns: 7, inactiveConns: 0, persistConns: 0 });
    expect(table.get('fwm6 5' as never)).toMatchObject({
      service: { id: { kind: 'fwmark', family: 6, mark: 5 }, scheduler: 'rr', flags: 1, timeoutSec: 300, netmask: 128 },
      dests: new Map(),
    });
    await backend.dump();
    expect(log.messages()).toEqual(['IPVS dump: left out a service: IPVS reply malformed: service protocol 50 is not tcp, udp or sctp']);
  });

  it('version() decodes GET_INFO; close() closes the transport', async () => {
    kernel = new ScriptedKernel([parts(14, '08000100 01020100 08000200 00100000')]);
    const backend = new NetlinkIpvsBackend(kernel, 40);
    expect(await backend.version()).toBe('1.2.1');
    expect(kernel.sent[0]).toMatchObject({ family: 40, cmd: 15, dump: false });
    await backend.close();
    expect(kernel.closed).toBe(true);
  });
});
