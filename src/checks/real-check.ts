/**
 * What ldirectord would run against one real of one virtual (reference §2), as a CheckMode:
 * checktype and service pick the probe, the check port and URL are formed as ldirectord forms
 * them, and each probe gets the timeout ldirectord gives it. Pure: no I/O.
 */
import { checkPort } from '../config/check-port.js';
import type { RealServer, Virtual } from '../config/model.js';
import { hostPort, ipFamily } from '../util/ip.js';
import type { CheckMode, CheckPlan, CheckSpec, CheckSpecOf, CheckTarget, TlsCheckOptions } from './types.js';

/** Time allowed on top of count × attempt timeout for starting the ping processes (ms). */
const PING_ALLOWANCE_MS = 1000;

/** The plan for one (virtual, real) before it has a key, and what is worth warning about. */
export interface RealCheck {
  readonly plan: Omit<CheckPlan, 'key'>;
  readonly warnings: readonly string[];
}

type ServiceSpecName = CheckSpecOf<'service'>['service'];

/** Services whose check can go over UDP; the others speak TCP whatever the virtual's protocol. */
const DATAGRAM_SERVICES: ReadonlySet<ServiceSpecName> = new Set(['dns', 'radius', 'sip']);
/** Services that speak TLS from the first byte and so take the virtual's TLS policy. */
const TLS_SERVICES: ReadonlySet<ServiceSpecName> = new Set(['pops', 'imaps', 'ldaps']);

/** Resolves the check of `real` in `virtual`; `hostname` fills ftp/sip login defaults. */
export function planRealCheck(virtual: Virtual, real: RealServer, hostname: string): RealCheck {
  const warnings: string[] = [];
  const checkMs = virtual.checkTimeoutSec * 1000;
  const target: CheckTarget = { family: real.family, address: real.address, port: checkPort(virtual, real) };
  const ping = (): CheckMode => ({
    kind: 'single',
    spec: { kind: 'ping', target, count: virtual.checkCount, attemptTimeoutMs: checkMs },
    timeoutMs: virtual.checkCount * checkMs + PING_ALLOWANCE_MS,
  });
  const negotiate = (): { spec: CheckSpec; timeoutMs: number } => negotiateSpec(virtual, real, target, hostname, warnings);
  let mode: CheckMode;
  switch (virtual.checktype.kind) {
    case 'on':
    case 'off':
      mode = { kind: virtual.checktype.kind };
      break;
    case 'negotiate': {
      const n = negotiate();
      mode = { kind: 'single', spec: n.spec, timeoutMs: n.timeoutMs };
      break;
    }
    case 'connect':
      // ldirectord pings instead of connecting on a UDP virtual (a UDP connect proves nothing).
      mode = virtual.protocol === 'udp' ? ping() : { kind: 'single', spec: { kind: 'connect', target, protocol: 'tcp' }, timeoutMs: checkMs };
      break;
    case 'ping':
      mode = ping();
      break;
    case 'external':
      mode = { kind: 'single', spec: { kind: 'external', command: virtual.checkcommand, args: externalArgs(virtual, real) }, timeoutMs: checkMs };
      break;
    case 'external-perl':
      mode = { kind: 'single', spec: { kind: 'external-perl', script: virtual.checkcommand, args: externalArgs(virtual, real) }, timeoutMs: checkMs };
      break;
    case 'combined': {
      const n = negotiate();
      mode = {
        kind: 'combined',
        negotiate: n.spec,
        negotiateTimeoutMs: n.timeoutMs,
        // The connect half really connects, UDP included (where it always passes), as ldirectord.
        connect: { kind: 'connect', target, protocol: virtual.protocol === 'udp' ? 'udp' : 'tcp' },
        connectTimeoutMs: checkMs,
        every: virtual.checktype.negotiateEvery,
      };
      break;
    }
  }
  if (target.port === 0 && usesCheckPort(mode)) {
    warnings.push(`real server ${hostPort(real.address, real.port)} of virtual service ${virtual.key} has no check port `
      + `(port 0 and no default port for service ${virtual.service}); its checks will fail until checkport is set`);
  }
  return { plan: { intervalMs: virtual.checkIntervalSec * 1000, mode }, warnings };
}

function negotiateSpec(virtual: Virtual, real: RealServer, target: CheckTarget, hostname: string, warnings: string[]): { spec: CheckSpec; timeoutMs: number } {
  const negotiateMs = virtual.negotiateTimeoutSec * 1000;
  // ldirectord takes a real's request and receive only as a pair; otherwise the virtual's URL and
  // receive, though protocols that read `request` directly still see the real's.
  const pair = real.request !== undefined && real.receive !== undefined;
  const written = pair ? (real.receive ?? '') : virtual.receive;
  // The config layer translates Perl-only forms; the checkers run the translation.
  const translated = pair ? real.receiveRegExp : virtual.receiveRegExp;
  const receive = translated?.source ?? written;
  const flags = translated?.flags ? { receiveFlags: translated.flags } : {};
  const request = real.request ?? virtual.request;
  const service = virtual.service;
  switch (service) {
    case 'http':
    case 'https': {
      const url = httpUrl(pair ? request : virtual.request, pair, service, target);
      if (virtual.httpmethod === 'HEAD' && receive !== '') {
        warnings.push(`virtual service ${virtual.key}: httpmethod HEAD gets no body, so receive "${written}" can only match an empty one`);
      }
      const spec: CheckSpecOf<'http'> = {
        kind: 'http',
        target,
        url,
        method: virtual.httpmethod,
        host: virtual.virtualhost ?? (real.family === 6 ? `[${real.address}]` : real.address),
        receive,
        ...flags,
        ...(service === 'https' ? { tls: tlsOptions(virtual, url) } : {}),
      };
      return { spec, timeoutMs: negotiateMs };
    }
    case 'http_proxy': {
      const uri = stripSlash(pair ? request : virtual.request);
      const url = !pair || uri.includes('http://') ? uri : `http://${hostPort(real.address, target.port)}/${uri}`;
      if (!/^https?:\/\//.test(url)) {
        warnings.push(`virtual service ${virtual.key}: http_proxy request "${url}" is not an absolute http:// URL`);
      }
      return { spec: { kind: 'http-proxy', target, url, method: virtual.httpmethod, receive, ...flags }, timeoutMs: negotiateMs };
    }
    case 'simpletcp':
      if (virtual.protocol === 'udp') warnings.push(`virtual service ${virtual.key}: simpletcp is checked over TCP`);
      // ldirectord drops the leading "/" and turns only the two characters \n into a newline.
      return { spec: { kind: 'simpletcp', target, send: stripSlash(request).replaceAll('\\n', '\n'), receive, ...flags }, timeoutMs: negotiateMs };
    case 'none':
      return { spec: { kind: 'none' }, timeoutMs: negotiateMs };
    default: {
      const name: ServiceSpecName = service;
      // ldirectord's DNS check uses TCP only on a tcp virtual (fwm included goes over UDP); the
      // other services follow the virtual, defaulting to TCP.
      const protocol = name === 'dns' ? (virtual.protocol === 'tcp' ? 'tcp' : 'udp') : virtual.protocol === 'udp' ? 'udp' : 'tcp';
      if (protocol === 'udp' && !DATAGRAM_SERVICES.has(name)) warnings.push(`virtual service ${virtual.key}: ${name} is checked over TCP`);
      const defaults = loginDefaults(name, hostname);
      const spec: CheckSpecOf<'service'> = {
        kind: 'service',
        service: name,
        target,
        protocol,
        request,
        receive,
        ...flags,
        login: virtual.login || defaults.login,
        passwd: virtual.passwd || defaults.passwd,
        database: virtual.database,
        secret: virtual.secret,
        ...(TLS_SERVICES.has(name) ? { tls: tlsOptions(virtual) } : {}),
      };
      // ldap and radius run under ldirectord's checktimeout alarm; the rest under negotiatetimeout.
      const timeoutMs = name === 'ldap' || name === 'ldaps' || name === 'radius' ? virtual.checkTimeoutSec * 1000 : negotiateMs;
      return { spec, timeoutMs };
    }
  }
}

/** `http[s]://<rip>:<port>/<request without its "/">`, or a real's own absolute URL as is. */
function httpUrl(request: string, pair: boolean, scheme: 'http' | 'https', target: CheckTarget): string {
  const uri = stripSlash(request);
  if (pair && request.includes(`${scheme}://`)) return uri;
  return `${scheme}://${hostPort(target.address, target.port)}/${uri}`;
}

/** The virtual's TLS policy; SNI from tlsservername, else virtualhost, else the URL's host (when there is one). */
function tlsOptions(virtual: Virtual, url?: string): TlsCheckOptions {
  const urlHost = url !== undefined && URL.canParse(url) ? new URL(url).hostname.replace(/^\[(.*)\]$/, '$1') : undefined;
  // SNI never carries an IP literal, so an IP virtualhost (or URL host) sends none.
  const serverName = [virtual.tls.serverName, virtual.virtualhost, urlHost].find((n) => n !== undefined && n !== '' && ipFamily(n) === undefined);
  return {
    verify: virtual.tls.verify,
    ...(virtual.tls.caFile === undefined ? {} : { caFile: virtual.tls.caFile }),
    ...(serverName === undefined ? {} : { serverName }),
  };
}

/** `<vip or fwmark> <vport> <rip> <rport>`, IPv6 bracketed, vport 0 for a fwmark (ldirectord's argv). */
function externalArgs(virtual: Virtual, real: RealServer): string[] {
  const bracket = (address: string): string => (address.includes(':') ? `[${address}]` : address);
  const { endpoint } = virtual;
  const vip = endpoint.kind === 'fwmark' ? String(endpoint.mark) : bracket(endpoint.address);
  const vport = endpoint.kind === 'fwmark' ? 0 : endpoint.port;
  return [vip, String(vport), bracket(real.address), String(real.port)];
}

/**
 * ldirectord fills these when `service=ftp`/`service=sip` is written; the model cannot tell that
 * from a derived service, so they fill any empty login (for ftp, Net::FTP's own anonymous default
 * makes that the same thing).
 */
function loginDefaults(service: ServiceSpecName, hostname: string): { login: string; passwd: string } {
  if (service === 'ftp') return { login: 'anonymous', passwd: `ldirectord@${hostname}` };
  if (service === 'sip') return { login: `ldirectord@${hostname}`, passwd: '' };
  return { login: '', passwd: '' };
}

function stripSlash(request: string): string {
  return request.startsWith('/') ? request.slice(1) : request;
}

function usesCheckPort(mode: CheckMode): boolean {
  switch (mode.kind) {
    case 'on':
    case 'off':
      return false;
    case 'combined':
      return true;
    case 'single':
      return mode.spec.kind !== 'ping' && mode.spec.kind !== 'external' && mode.spec.kind !== 'external-perl' && mode.spec.kind !== 'none';
  }
}
