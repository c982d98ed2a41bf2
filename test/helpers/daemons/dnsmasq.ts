/**
 * A private dnsmasq answering on 127.0.0.1 and ::1 (UDP and TCP) from records given on its
 * command line: no upstream, no /etc/hosts, no system config; names under `test` it does not know
 * get NXDOMAIN.
 */
import { freeLoopbackPort, privateDir, startPrivateDaemon, tcpAnswers, type PrivateDaemon } from './private-daemon.js';

export interface Dnsmasq {
  readonly port: number;
  stop(): Promise<void>;
}

export interface DnsRecords {
  /** `name -> addresses` (IPv4 and IPv6), each with its PTR. */
  readonly hosts?: Readonly<Record<string, readonly string[]>>;
  /** `reverse name -> name`, PTR only, e.g. `9.2.0.192.in-addr.arpa -> ptr.test`. */
  readonly ptr?: Readonly<Record<string, string>>;
  /** `name -> addresses`, A/AAAA only (`--address`), any number per name. */
  readonly addresses?: Readonly<Record<string, readonly string[]>>;
  /** `name -> text`, a TXT record (so the name exists without A or AAAA records). */
  readonly txt?: Readonly<Record<string, string>>;
}

/** Starts dnsmasq on a free port; `stop()` ends it. */
export async function startDnsmasq(records: DnsRecords): Promise<Dnsmasq> {
  const port = await freeLoopbackPort();
  const dir = privateDir('dnsmasq');
  const args = [
    '--keep-in-foreground', '--no-daemon', '--conf-file=/dev/null', '--pid-file=', '--user=root',
    `--port=${port}`, '--listen-address=127.0.0.1,::1', '--bind-interfaces',
    '--no-resolv', '--no-hosts', '--local=/test/', '--log-facility=-',
    ...Object.entries(records.hosts ?? {}).map(([name, addresses]) => `--host-record=${name},${addresses.join(',')}`),
    ...Object.entries(records.ptr ?? {}).map(([reverse, name]) => `--ptr-record=${reverse},${name}`),
    ...Object.entries(records.txt ?? {}).map(([name, text]) => `--txt-record=${name},"${text}"`),
    ...Object.entries(records.addresses ?? {}).flatMap(([name, addresses]) => addresses.map((a) => `--address=/${name}/${a}`)),
  ];
  const daemon: PrivateDaemon = await startPrivateDaemon({
    name: 'dnsmasq',
    command: '/usr/sbin/dnsmasq',
    args,
    dir,
    ready: async () => (await tcpAnswers('127.0.0.1', port)) && (await tcpAnswers('::1', port)),
  });
  return { port, stop: () => daemon.stop() };
}
