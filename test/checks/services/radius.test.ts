import { createSocket } from 'node:dgram';
import radius from 'radius';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { radiusCheck } from '../../../src/checks/services/radius.js';
import type { CheckSpecOf } from '../../../src/checks/types.js';
import { startFreeRadius, type FreeRadius } from '../../helpers/daemons/freeradius.js';
import { closedUdpPort, startSilentUdp } from '../../helpers/daemons/udp-listeners.js';
import { LOOPBACKS, hostPort, type LoopbackHost } from '../../helpers/servers.js';
import { ipToBytes } from '../../../src/util/ip.js';
import { targetOf, within } from '../support.js';

const SECRET = 'loopback-secret';

let server: FreeRadius;
beforeAll(async () => {
  server = await startFreeRadius(SECRET, {
    alice: { password: 'wonderland', replyMessage: 'welcome alice' },
    bob: { password: 'builder' },
    mallory: { password: 'anything', reject: true, replyMessage: 'go away' },
  });
});
afterAll(async () => {
  await server?.stop();
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

function spec(host: LoopbackHost, port: number, more: Partial<CheckSpecOf<'service'>> = {}): CheckSpecOf<'service'> {
  return {
    kind: 'service', service: 'radius', target: targetOf(host, port), protocol: 'udp', request: '/', receive: '',
    login: 'alice', passwd: 'wonderland', database: '', secret: SECRET, ...more,
  };
}

describe.each(LOOPBACKS)('radius check on %s against freeradius', (host) => {
  const label = (port: number, user = 'alice'): string => `radius ${hostPort(host, port)} user "${user}"`;

  it('passes on an Access-Accept for the right user, password and secret', async () => {
    const r = await within(3000, (sig) => radiusCheck(spec(host, server.port), sig));
    expect(r).toMatchObject({ ok: true, detail: `${label(server.port)}: Access-Accept (Reply-Message "welcome alice")` });
  });

  it('fails with auth on an Access-Reject for a wrong password', async () => {
    const r = await within(3000, (sig) => radiusCheck(spec(host, server.port, { login: 'bob', passwd: 'plumber' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'auth', detail: `${label(server.port, 'bob')}: Access-Reject` });
  });

  it('fails with auth on an Access-Reject for a user the server rejects, quoting its Reply-Message', async () => {
    const r = await within(3000, (sig) => radiusCheck(spec(host, server.port, { login: 'mallory', passwd: 'anything' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'auth', detail: `${label(server.port, 'mallory')}: Access-Reject (Reply-Message "go away")` });
  });

  it('times out with a wrong secret: the server drops a request whose Message-Authenticator does not verify', async () => {
    const r = await within(1000, (sig) => radiusCheck(spec(host, server.port, { secret: 'not-the-secret' }), sig));
    expect(r).toMatchObject({
      ok: false,
      reason: 'timeout',
      detail: `${label(server.port)}: deadline of 1000 ms exceeded (1 Access-Request sent, no answer)`,
    });
  });

  it('fails with error, sending nothing, when no secret is set', async () => {
    const r = await within(1000, (sig) => radiusCheck(spec(host, server.port, { secret: '' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'error', detail: `${label(server.port)}: no shared secret (set secret=)` });
  });
});

describe.each(LOOPBACKS)('radius check on %s when the server does not answer properly', (host) => {
  it('fails with refused when the port is closed (ICMP port unreachable)', async () => {
    const port = await closedUdpPort(host);
    const r = await within(2000, (sig) => radiusCheck(spec(host, port), sig));
    expect(r).toMatchObject({ ok: false, reason: 'refused', detail: `radius ${hostPort(host, port)} user "alice": connection refused` });
  });

  it('times out at the deadline on a server that never answers, having sent the request', async () => {
    const silent = await startSilentUdp(host);
    cleanups.push(() => silent.close());
    const r = await within(500, (sig) => radiusCheck(spec(host, silent.port), sig));
    expect(r).toMatchObject({
      ok: false,
      reason: 'timeout',
      detail: `radius ${hostPort(host, silent.port)} user "alice": deadline of 500 ms exceeded (1 Access-Request sent, no answer)`,
    });
    const request = radius.decode({ packet: silent.received[0] ?? Buffer.alloc(0), secret: SECRET });
    expect(request.code).toBe('Access-Request');
    expect(request.attributes).toMatchObject({ 'User-Name': 'alice', 'User-Password': 'wonderland', });
    // The library decodes an IPv4 attribute to text and an IPv6 one to its bytes.
    if (host === '::1') expect(request.attributes['NAS-IPv6-Address']).toEqual(ipToBytes('::1'));
    else expect(request.attributes['NAS-IP-Address']).toBe('127.0.0.1');
  });

  it('fails with auth on an Access-Accept signed with another secret (scripted stand-in: no real server can send one)', async () => {
    const forger = createSocket(host === '::1' ? 'udp6' : 'udp4');
    forger.on('message', (packet, from) => {
      const request = radius.decode_without_secret({ packet });
      forger.send(radius.encode_response({ packet: request, code: 'Access-Accept', secret: 'forged' }), from.port, from.address);
    });
    await new Promise<void>((resolve) => forger.bind(0, host, () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => forger.close(() => resolve())));
    const port = forger.address().port;
    const r = await within(2000, (sig) => radiusCheck(spec(host, port), sig));
    expect(r).toMatchObject({
      ok: false,
      reason: 'auth',
      detail: `radius ${hostPort(host, port)} user "alice": the Access-Accept does not verify with our secret (do the shared secrets differ?)`,
    });
  });
});
