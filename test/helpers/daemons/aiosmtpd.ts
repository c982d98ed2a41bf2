/**
 * A private aiosmtpd (Debian's python3-aiosmtpd, the real RFC 5321 server) on one loopback
 * address. `refuse-hello` loads a handler, written into the private dir, that answers EHLO and
 * HELO with 550, so a check meets a server that greets but will not talk.
 */
import { writeFileSync } from 'node:fs';
import type { LoopbackHost } from '../servers.js';
import { freeLoopbackPort, privateDir, startPrivateDaemon, tcpAnswers } from './private-daemon.js';

export interface Aiosmtpd {
  readonly host: LoopbackHost;
  readonly port: number;
  stop(): Promise<void>;
}

export type AiosmtpdBehaviour = 'accept' | 'refuse-hello';

const REFUSE_HELLO = `
class RefuseHello:
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        return ['550 EHLO refused by the test handler']

    async def handle_HELO(self, server, session, envelope, hostname):
        return '550 HELO refused by the test handler'
`;

/** Starts aiosmtpd on `host` and a free port; `stop()` ends it. */
export async function startAiosmtpd(host: LoopbackHost, behaviour: AiosmtpdBehaviour = 'accept'): Promise<Aiosmtpd> {
  const port = await freeLoopbackPort();
  const dir = privateDir('aiosmtpd');
  const handler: string[] = [];
  if (behaviour === 'refuse-hello') {
    writeFileSync(`${dir}/ldng_refuse_hello.py`, REFUSE_HELLO);
    handler.push('-c', 'ldng_refuse_hello.RefuseHello');
  }
  const daemon = await startPrivateDaemon({
    name: 'aiosmtpd',
    // Debian's interpreter, which has the package; a python3 earlier on PATH may not.
    command: '/usr/bin/python3',
    // aiosmtpd splits -l at the last colon and wants IPv6 unbracketed.
    args: ['-m', 'aiosmtpd', '-n', ...handler, '-l', `${host}:${port}`],
    dir,
    env: { ...process.env, PYTHONPATH: dir, PYTHONDONTWRITEBYTECODE: '1' },
    ready: () => tcpAnswers(host, port),
  });
  return { host, port, stop: () => daemon.stop() };
}
