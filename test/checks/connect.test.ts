import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { connectCheck } from '../../src/checks/connect.js';
import { LOOPBACKS, hostPort, startTcpServer, startUnacceptingListener, type TestServer, type UnacceptingListener } from '../helpers/servers.js';
import { settles, targetOf, within } from './support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function listener(host: '127.0.0.1' | '::1'): Promise<TestServer> {
  const s = await startTcpServer(host, () => undefined);
  cleanups.push(() => s.close());
  return s;
}

describe.each(LOOPBACKS)('connect check on %s', (host) => {
  it('passes when the port accepts, and closes the connection at once without sending', async () => {
    const received: Buffer[] = [];
    const s = await startTcpServer(host, (socket) => socket.on('data', (d: Buffer) => received.push(d)));
    cleanups.push(() => s.close());
    const r = await within(2000, (sig) => connectCheck({ kind: 'connect', target: targetOf(host, s.port), protocol: 'tcp' }, sig));
    expect(r).toMatchObject({ ok: true, detail: `connect ${hostPort(host, s.port)}: connected` });
    expect(await settles(s.allClosed(), 2000)).toBe(true);
    expect(s.connections).toHaveLength(1);
    expect(received).toEqual([]);
  });

  it('fails with refused when nothing listens', async () => {
    const s = await listener(host);
    await s.close();
    const r = await within(2000, (sig) => connectCheck({ kind: 'connect', target: targetOf(host, s.port), protocol: 'tcp' }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'refused', detail: `connect ${hostPort(host, s.port)}: connection refused` });
  });

  it('times out at the deadline on a listener whose accept queue is full', async () => {
    const l: UnacceptingListener = await startUnacceptingListener(host);
    cleanups.push(() => l.close());
    const r = await within(300, (sig) => connectCheck({ kind: 'connect', target: targetOf(host, l.port), protocol: 'tcp' }, sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `connect ${hostPort(host, l.port)}: deadline of 300 ms exceeded` });
  });

  it('passes a UDP connect even when nothing listens (ldirectord combined mode)', async () => {
    const probe = createSocket(host === '::1' ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => probe.bind(0, host, resolve));
    const port = probe.address().port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const r = await within(2000, (sig) => connectCheck({ kind: 'connect', target: targetOf(host, port), protocol: 'udp' }, sig));
    expect(r).toMatchObject({ ok: true });
    expect(r.detail).toBe(`udp connect ${hostPort(host, port)}: socket connected (nothing is sent over UDP)`);
  });
});

describe('connect check deadline', () => {
  it('resolves as timeout without connecting when the signal has already fired', async () => {
    const s = await listener('127.0.0.1');
    const ctl = new AbortController();
    ctl.abort(new Error('deadline of 0 ms exceeded'));
    const r = await connectCheck({ kind: 'connect', target: targetOf('127.0.0.1', s.port), protocol: 'tcp' }, ctl.signal);
    expect(r).toMatchObject({ ok: false, reason: 'timeout' });
    expect(s.connections).toHaveLength(0);
  });
});
