import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sipCheck } from '../../../src/checks/services/sip.js';
import type { CheckSpecOf } from '../../../src/checks/types.js';
import { startKamailio, type Kamailio } from '../../helpers/daemons/kamailio.js';
import { closedUdpPort, startSilentUdp } from '../../helpers/daemons/udp-listeners.js';
import { LOOPBACKS, hostPort, startTcpServer, type LoopbackHost } from '../../helpers/servers.js';
import { settles, targetOf, within } from '../support.js';

let sip: Kamailio;
beforeAll(async () => {
  sip = await startKamailio();
});
afterAll(async () => {
  await sip?.stop();
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

function spec(host: LoopbackHost, port: number, protocol: 'udp' | 'tcp', login: string): CheckSpecOf<'service'> {
  return { kind: 'service', service: 'sip', target: targetOf(host, port), protocol, request: '/', receive: '', login, passwd: '', database: '', secret: '' };
}

describe.each(LOOPBACKS.flatMap((host) => (['udp', 'tcp'] as const).map((protocol) => [host, protocol] as const)))('sip check on %s over %s against kamailio', (host, protocol) => {
  const label = (login: string): string => `sip ${hostPort(host, sip.port)}/${protocol} OPTIONS sip:${login}`;

  it('passes on 200 OK, naming the transport it really uses in Via', async () => {
    const login = `ldirectord-${host === '::1' ? 'v6' : 'v4'}-${protocol}@director`;
    const r = await within(3000, (sig) => sipCheck(spec(host, sip.port, protocol, login), sig));
    expect(r).toMatchObject({ ok: true, detail: `${label(login)}: SIP/2.0 200 OK` });
    expect(await sip.seenLine(`OPTIONS sip:${login} `)).toMatch(new RegExp(`proto=${protocol} via=SIP/2\\.0/${protocol.toUpperCase()} `));
  });

  it('passes on a 200 with another reason phrase (ldirectord wants exactly "200 OK")', async () => {
    const r = await within(3000, (sig) => sipCheck(spec(host, sip.port, protocol, 'alive@director'), sig));
    expect(r).toMatchObject({ ok: true, detail: `${label('alive@director')}: SIP/2.0 200 Alive` });
  });

  it('fails with bad-status on 404, quoting the status line', async () => {
    const r = await within(3000, (sig) => sipCheck(spec(host, sip.port, protocol, 'down@director'), sig));
    expect(r).toMatchObject({ ok: false, reason: 'bad-status', detail: `${label('down@director')}: SIP/2.0 404 Not Found` });
  });

  it('passes over 100 Trying and judges the final 503', async () => {
    const r = await within(3000, (sig) => sipCheck(spec(host, sip.port, protocol, 'busy@director'), sig));
    expect(r).toMatchObject({ ok: false, reason: 'bad-status', detail: `${label('busy@director')}: SIP/2.0 503 Service Unavailable` });
  });

  it('fails with error, sending nothing, when there is no login for the request URI', async () => {
    const r = await within(3000, (sig) => sipCheck(spec(host, sip.port, protocol, ''), sig));
    expect(r).toMatchObject({ ok: false, reason: 'error', detail: `${label('')}: no login to put in the request URI (set login=)` });
  });
});

describe.each(LOOPBACKS)('sip check on %s when the server does not answer', (host) => {
  const label = (port: number, protocol: string): string => `sip ${hostPort(host, port)}/${protocol} OPTIONS sip:ldirectord@director`;

  it('fails with refused over UDP when the port is closed (ICMP port unreachable)', async () => {
    const port = await closedUdpPort(host);
    const r = await within(2000, (sig) => sipCheck(spec(host, port, 'udp', 'ldirectord@director'), sig));
    expect(r).toMatchObject({ ok: false, reason: 'refused', detail: `${label(port, 'udp')}: connection refused` });
  });

  it('fails with refused over TCP when nothing listens', async () => {
    const server = await startTcpServer(host, () => undefined);
    await server.close();
    const r = await within(2000, (sig) => sipCheck(spec(host, server.port, 'tcp', 'ldirectord@director'), sig));
    expect(r).toMatchObject({ ok: false, reason: 'refused', detail: `${label(server.port, 'tcp')}: connect: connection refused` });
  });

  it('times out over UDP, resending at T1 = 500 ms, on a server that never answers', async () => {
    const silent = await startSilentUdp(host);
    cleanups.push(() => silent.close());
    const r = await within(800, (sig) => sipCheck(spec(host, silent.port, 'udp', 'ldirectord@director'), sig));
    expect(r).toMatchObject({
      ok: false,
      reason: 'timeout',
      detail: `${label(silent.port, 'udp')}: deadline of 800 ms exceeded (2 requests sent, no final response)`,
    });
    expect(silent.received.map((d) => d.toString('utf8').split('\r\n', 1)[0])).toEqual([
      'OPTIONS sip:ldirectord@director SIP/2.0',
      'OPTIONS sip:ldirectord@director SIP/2.0',
    ]);
  });

  it('times out over TCP on a server that sends only 100 Trying, and closes its socket', async () => {
    const server = await startTcpServer(host, (socket) => {
      socket.once('data', (d: Buffer) => {
        const callId = /^Call-ID: (.*)$/m.exec(d.toString('utf8'))?.[1]?.trim() ?? '';
        socket.write(`SIP/2.0 100 Trying\r\nCall-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`);
      });
    });
    cleanups.push(() => server.close());
    const r = await within(400, (sig) => sipCheck(spec(host, server.port, 'tcp', 'ldirectord@director'), sig));
    expect(r).toMatchObject({
      ok: false,
      reason: 'timeout',
      detail: `${label(server.port, 'tcp')}: deadline of 400 ms exceeded (no final response, only a provisional "SIP/2.0 100 Trying")`,
    });
    expect(await settles(server.allClosed(), 2000)).toBe(true);
  });

  it('fails with protocol when a TCP server answers with something that is not SIP', async () => {
    const server = await startTcpServer(host, (socket) => socket.once('data', () => socket.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')));
    cleanups.push(() => server.close());
    const r = await within(2000, (sig) => sipCheck(spec(host, server.port, 'tcp', 'ldirectord@director'), sig));
    expect(r).toMatchObject({ ok: false, reason: 'protocol', detail: `${label(server.port, 'tcp')}: not a SIP message: "HTTP/1.1 400 Bad Request"` });
  });
});
