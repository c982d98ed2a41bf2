import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCheckPlans } from '../../../src/checks/plan.js';
import { runCheck } from '../../../src/checks/registry.js';
import { dnsCheck } from '../../../src/checks/services/dns.js';
import type { CheckSpecOf } from '../../../src/checks/types.js';
import { startDnsmasq, type Dnsmasq } from '../../helpers/daemons/dnsmasq.js';
import { closedUdpPort, startSilentUdp, type SilentUdp } from '../../helpers/daemons/udp-listeners.js';
import { LOOPBACKS, hostPort, startTcpServer, type LoopbackHost, type TestServer } from '../../helpers/servers.js';
import { configOf, realOf, virtualOf } from '../config-fixtures.js';
import { settles, targetOf, within } from '../support.js';

/** Enough A records for one name that a UDP answer without EDNS (512 bytes) must be truncated. */
const MANY = Array.from({ length: 40 }, (_, i) => `198.51.100.${i + 1}`);

let dns: Dnsmasq;
beforeAll(async () => {
  dns = await startDnsmasq({
    hosts: { 'www.test': ['192.0.2.7', '2001:db8::7'], 'six.test': ['2001:db8::6'] },
    ptr: { '9.2.0.192.in-addr.arpa': 'ptr.test', '9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa': 'ptr6.test' },
    addresses: { 'many.test': MANY },
    txt: { 'txt.test': 'only text here' },
  });
});
afterAll(async () => {
  await dns?.stop();
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

function spec(host: LoopbackHost, port: number, protocol: 'udp' | 'tcp', request: string, receive: string): CheckSpecOf<'service'> {
  return { kind: 'service', service: 'dns', target: targetOf(host, port), protocol, request, receive, login: '', passwd: '', database: '', secret: '' };
}

describe.each(LOOPBACKS.flatMap((host) => (['udp', 'tcp'] as const).map((protocol) => [host, protocol] as const)))('dns check on %s over %s against dnsmasq', (host, protocol) => {
  const label = (request: string): string => `dns ${hostPort(host, dns.port)}/${protocol} ${JSON.stringify(request)}`;

  it('passes when an A answer matches receive, asking the request without its leading /', async () => {
    const r = await within(3000, (sig) => dnsCheck(spec(host, dns.port, protocol, '/www.test', '^192\\.0\\.2\\.7$'), sig));
    expect(r).toMatchObject({ ok: true, detail: `${label('www.test')}: A 192.0.2.7 matches /^192\\.0\\.2\\.7$/` });
  });

  it('passes on any A answer when receive is empty (ldirectord never passes then)', async () => {
    const r = await within(3000, (sig) => dnsCheck(spec(host, dns.port, protocol, 'www.test', ''), sig));
    expect(r).toMatchObject({ ok: true, detail: `${label('www.test')}: A 192.0.2.7` });
  });

  it('checks AAAA answers against receive when no A answer matches', async () => {
    const r = await within(3000, (sig) => dnsCheck(spec(host, dns.port, protocol, 'www.test', '^2001:db8::7$'), sig));
    expect(r).toMatchObject({ ok: true, detail: `${label('www.test')}: AAAA 2001:db8::7 matches /^2001:db8::7$/` });
  });

  it('passes a name with only AAAA records when receive is empty', async () => {
    const r = await within(3000, (sig) => dnsCheck(spec(host, dns.port, protocol, 'six.test', ''), sig));
    expect(r).toMatchObject({ ok: true, detail: `${label('six.test')}: AAAA 2001:db8::6` });
  });

  it('fails with body-mismatch, listing the answers, when none matches', async () => {
    const r = await within(3000, (sig) => dnsCheck(spec(host, dns.port, protocol, 'www.test', '^10\\.'), sig));
    expect(r).toMatchObject({
      ok: false,
      reason: 'body-mismatch',
      detail: `${label('www.test')}: no answer matches /^10\\./ (answers: A 192.0.2.7, AAAA 2001:db8::7)`,
    });
  });

  it('fails with body-mismatch when the name has neither A nor AAAA records', async () => {
    const r = await within(3000, (sig) => dnsCheck(spec(host, dns.port, protocol, 'txt.test', ''), sig));
    expect(r).toMatchObject({ ok: false, reason: 'body-mismatch', detail: `${label('txt.test')}: no A and AAAA records in the answer` });
  });

  it('fails with bad-status on NXDOMAIN, without asking AAAA', async () => {
    const r = await within(3000, (sig) => dnsCheck(spec(host, dns.port, protocol, 'missing.test', ''), sig));
    expect(r).toMatchObject({ ok: false, reason: 'bad-status', detail: `${label('missing.test')}: A query answered NXDOMAIN` });
  });

  it('looks an IPv4 address up as PTR and matches the name', async () => {
    const r = await within(3000, (sig) => dnsCheck(spec(host, dns.port, protocol, '/192.0.2.9', '^ptr\\.test$'), sig));
    expect(r).toMatchObject({ ok: true, detail: `${label('192.0.2.9')}: PTR ptr.test matches /^ptr\\.test$/` });
  });

  it('looks an IPv6 address up as PTR under ip6.arpa', async () => {
    const r = await within(3000, (sig) => dnsCheck(spec(host, dns.port, protocol, '2001:db8::9', 'ptr6'), sig));
    expect(r).toMatchObject({ ok: true, detail: `${label('2001:db8::9')}: PTR ptr6.test matches /ptr6/` });
  });

  it('reads an answer too big for one datagram (truncated over UDP, so asked again over TCP)', async () => {
    const r = await within(3000, (sig) => dnsCheck(spec(host, dns.port, protocol, 'many.test', '^198\\.51\\.100\\.40$'), sig));
    const via = protocol === 'udp' ? ' (the UDP answer was truncated, so it was asked again over TCP)' : '';
    expect(r).toMatchObject({ ok: true, detail: `${label('many.test')}: A 198.51.100.40 matches /^198\\.51\\.100\\.40$/${via}` });
  });

  it('fails with error, asking nothing, when the request names nothing', async () => {
    const r = await within(3000, (sig) => dnsCheck(spec(host, dns.port, protocol, '/', ''), sig));
    expect(r).toMatchObject({ ok: false, reason: 'error', detail: `${label('')}: no name to look up (set request= to a name or an address)` });
  });
});

describe.each(LOOPBACKS)('dns check on %s when the server does not answer', (host) => {
  it('fails with refused over UDP when the port is closed (ICMP port unreachable)', async () => {
    const port = await closedUdpPort(host);
    const r = await within(3000, (sig) => dnsCheck(spec(host, port, 'udp', 'www.test', ''), sig));
    expect(r).toMatchObject({ ok: false, reason: 'refused', detail: `dns ${hostPort(host, port)}/udp "www.test": A query: connection refused` });
  });

  it('fails with refused over TCP when nothing listens', async () => {
    const server = await startTcpServer(host, () => undefined);
    await server.close();
    const r = await within(3000, (sig) => dnsCheck(spec(host, server.port, 'tcp', 'www.test', ''), sig));
    expect(r).toMatchObject({ ok: false, reason: 'refused', detail: `dns ${hostPort(host, server.port)}/tcp "www.test": A query: connect: connection refused` });
  });

  it('times out at the deadline over UDP, having resent the query to a server that never answers', async () => {
    const silent: SilentUdp = await startSilentUdp(host);
    cleanups.push(() => silent.close());
    const r = await within(1500, (sig) => dnsCheck(spec(host, silent.port, 'udp', 'www.test', ''), sig));
    expect(r).toMatchObject({
      ok: false,
      reason: 'timeout',
      detail: `dns ${hostPort(host, silent.port)}/udp "www.test": A query: deadline of 1500 ms exceeded (2 queries sent, no answer)`,
    });
    expect(silent.received).toHaveLength(2);
  });

  it('times out at the deadline over TCP on a server that accepts and never answers, and closes its socket', async () => {
    const server: TestServer = await startTcpServer(host, (socket) => socket.resume());
    cleanups.push(() => server.close());
    const r = await within(400, (sig) => dnsCheck(spec(host, server.port, 'tcp', 'www.test', ''), sig));
    expect(r).toMatchObject({
      ok: false,
      reason: 'timeout',
      detail: `dns ${hostPort(host, server.port)}/tcp "www.test": A query: deadline of 400 ms exceeded (connected, no answer)`,
    });
    expect(await settles(server.allClosed(), 2000)).toBe(true);
  });

  it('fails with protocol when a TCP server answers with a message for another query', async () => {
    const server: TestServer = await startTcpServer(host, (socket) => {
      socket.once('data', () => socket.write(Buffer.from([0, 12, 0xab, 0xcd, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0])));
    });
    cleanups.push(() => server.close());
    const r = await within(2000, (sig) => dnsCheck(spec(host, server.port, 'tcp', 'www.test', ''), sig));
    expect(r).toMatchObject({
      ok: false,
      reason: 'protocol',
      detail: `dns ${hostPort(host, server.port)}/tcp "www.test": A query: the server sent a 12-byte message that does not answer the query`,
    });
  });
});

describe('dns check as the plan builder and the registry run it', () => {
  it.each([['udp', 'udp'], ['tcp', 'tcp']] as const)('asks over %s when the virtual is %s, with the request and receive the config gives', async (protocol, virtualProtocol) => {
    const endpoint = { kind: 'addr', protocol: virtualProtocol, address: '10.0.0.1', port: 53 } as const;
    const v = virtualOf({ endpoint, service: 'dns', request: '/www.test', receive: '192\\.0\\.2\\.7', reals: [realOf('127.0.0.1', dns.port)] });
    const plan = [...buildCheckPlans(configOf([v]), 'director').plans.values()][0];
    if (plan?.mode.kind !== 'single' || plan.mode.spec.kind !== 'service') throw new Error('expected a service plan');
    const probe = plan.mode.spec;
    expect(probe).toMatchObject({ service: 'dns', protocol });
    const r = await within(3000, (sig) => runCheck(probe, sig));
    expect(r).toMatchObject({ ok: true, detail: `dns ${hostPort('127.0.0.1', dns.port)}/${protocol} "www.test": A 192.0.2.7 matches /192\\.0\\.2\\.7/` });
  });
});
