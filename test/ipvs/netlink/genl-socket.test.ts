// The socket layer against this machine's real generic netlink (nlctrl, always present). The host
// kernel has no IPVS: that absence is asserted here, and exercised on purpose.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GenlFamily } from '../../../src/ipvs/netlink/genl-family.js';
import type { GenlReply, GenlRequest } from '../../../src/ipvs/netlink/genl-socket.js';
import { GenlSocket, NLCTRL_FAMILY_ID } from '../../../src/ipvs/netlink/genl-socket.js';
import { NetlinkError } from '../../../src/ipvs/netlink/netlink-error.js';
import { AttrStream, genl } from 'netlink';

const CTRL_CMD_GETFAMILY = 3;
/** The top of the dynamic id range; nothing registers there on a normal kernel. */
const UNREGISTERED_ID = 1023;

function getFamily(familyId: number, name?: string): GenlRequest {
  const attrs = new AttrStream();
  if (name !== undefined) attrs.emit(genl.formatMessage({ familyName: name }));
  return { family: familyId, cmd: CTRL_CMD_GETFAMILY, version: 1, attrs: attrs.bufs, dump: name === undefined };
}

function familyNames(reply: GenlReply): string[] {
  if (reply.kind !== 'ok') throw new Error(`expected messages, got errno ${reply.errno}`);
  return reply.messages.map((m) => genl.parseMessage(m.payload).familyName ?? '?');
}

describe('GenlSocket on the real kernel', () => {
  let sock: GenlSocket;
  beforeEach(() => {
    sock = GenlSocket.open({ timeoutMs: 5_000 });
  });
  afterEach(() => sock.close());

  it('resolves nlctrl to its fixed id 16', async () => {
    expect(await sock.resolveFamily('nlctrl')).toBe(NLCTRL_FAMILY_ID);
  });

  it('keeps the errno when a family is absent (this host has no IPVS)', async () => {
    const err = await sock.resolveFamily('IPVS').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ code: 'LD_ERR_NETLINK', errno: 2, errnoName: 'ENOENT' });
  });

  it('returns kernel refusals as values with a positive errno', async () => {
    expect(await sock.request({ family: UNREGISTERED_ID, cmd: 1, version: 1, attrs: [], dump: false })).toEqual({ kind: 'error', errno: 2 });
    expect(await sock.request({ family: NLCTRL_FAMILY_ID, cmd: 5, version: 1, attrs: [], dump: false })).toEqual({ kind: 'error', errno: 95 });
    expect(await sock.request(getFamily(NLCTRL_FAMILY_ID, ''))).toMatchObject({ kind: 'error' });
  });

  it('returns every part of a dump, genl header decoded', async () => {
    const reply = await sock.request(getFamily(NLCTRL_FAMILY_ID));
    expect(familyNames(reply)).toContain('nlctrl');
    if (reply.kind === 'ok') {
      for (const m of reply.messages) expect(m).toMatchObject({ family: NLCTRL_FAMILY_ID, cmd: 1 /* CTRL_CMD_NEWFAMILY */ });
    }
  });

  it('serialises five concurrent dumps on one socket: all succeed, in order', async () => {
    // Without the queue the kernel answers EBUSY to every dump but the first (reference §2.3).
    const replies = await Promise.all([1, 2, 3, 4, 5].map(() => sock.request(getFamily(NLCTRL_FAMILY_ID))));
    const first = familyNames(replies[0] as GenlReply);
    expect(first.length).toBeGreaterThan(1);
    for (const r of replies) expect(familyNames(r)).toEqual(first);
    const seqs = replies.map((r) => (r.kind === 'ok' ? (r.messages[0]?.seq ?? 0) : 0));
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(5);
  });

  it('mixes doit and dump requests on one socket', async () => {
    const [a, b, c] = await Promise.all([
      sock.resolveFamily('nlctrl'),
      sock.request(getFamily(NLCTRL_FAMILY_ID)),
      sock.request({ family: UNREGISTERED_ID, cmd: 1, version: 1, attrs: [], dump: true }),
    ]);
    expect(a).toBe(16);
    expect(familyNames(b)).toContain('nlctrl');
    expect(c).toEqual({ kind: 'error', errno: 2 });
  });

  it('replaces a socket that reported an error (error injected: the kernel cannot be made to fail a socket here)', async () => {
    expect(await sock.resolveFamily('nlctrl')).toBe(16);
    const inner = (sock as unknown as { conn: { nl: { emit(e: string, err: Error): void } } }).conn;
    inner.nl.emit('error', Object.assign(new Error('recv ENOBUFS'), { errno: -105 }));
    expect(await sock.resolveFamily('nlctrl')).toBe(16);
    expect((sock as unknown as { conn: unknown }).conn).not.toBe(inner);
  });

  it('rejects requests queued at close and every later one with NetlinkError', async () => {
    const queued = sock.request(getFamily(NLCTRL_FAMILY_ID));
    sock.close();
    await expect(queued).rejects.toBeInstanceOf(NetlinkError);
    await expect(sock.resolveFamily('nlctrl')).rejects.toThrow('generic netlink socket closed');
  });
});

describe('GenlFamily on the real kernel', () => {
  let sock: GenlSocket;
  beforeEach(() => {
    sock = GenlSocket.open({ timeoutMs: 5_000 });
  });
  afterEach(() => sock.close());

  it('re-resolves a stale family id after ENOENT and retries there', async () => {
    const family = new GenlFamily(sock, 'nlctrl', UNREGISTERED_ID);
    const reply = await family.request((id) => getFamily(id, 'nlctrl'));
    expect(familyNames(reply)).toEqual(['nlctrl']);
    expect(family.familyId).toBe(NLCTRL_FAMILY_ID);
  });

  it('passes a genuine ENOENT through when the id has not moved', async () => {
    const family = await GenlFamily.resolve(sock, 'nlctrl');
    expect(await family.request((id) => getFamily(id, 'IPVS'))).toEqual({ kind: 'error', errno: 2 });
    expect(family.familyId).toBe(NLCTRL_FAMILY_ID);
  });

  it('rejects with NetlinkError ENOENT when the family itself is gone', async () => {
    const family = new GenlFamily(sock, 'IPVS', UNREGISTERED_ID);
    await expect(family.request((id) => getFamily(id, 'nlctrl'))).rejects.toMatchObject({ errno: 2, errnoName: 'ENOENT' });
  });
});
