/**
 * After the whole file has been read: every virtual gets its inherited values (ldirectord's
 * `ld_setup`, L2300-2384, and `fallback_find`), duplicates are rejected, and the cross-cutting
 * warnings are made. Output is the plain (not yet frozen) model.
 */
import { isIP } from 'node:net';
import { compact } from './compact.js';
import { DEFAULTS } from './defaults.js';
import type { ParseContext } from './context.js';
import type { GlobalsDraft, ResolvedFallback } from './drafts.js';
import { virtualKey, virtualLabel } from './keys.js';
import { PORT_BY_SERVICE, type FallbackServer, type Globals, type TlsPolicy, type Virtual } from './model.js';
import { translatePerlRegex } from './receive-regex.js';
import type { ResolvedSection } from './virtual-resolve.js';

const TLS_SERVICES = new Set(['https', 'imaps', 'pops', 'ldaps']);

/** The model's Globals from the draft. */
export function finalizeGlobals(g: GlobalsDraft): Globals {
  return compact<Globals>({
    checkTimeoutSec: g.checkTimeoutSec,
    negotiateTimeoutSec: g.negotiateTimeoutSec,
    checkIntervalSec: g.checkIntervalSec,
    checkCount: g.checkCount,
    failureCount: g.failureCount,
    riseCount: g.riseCount,
    quiescent: g.quiescent,
    readdquiescent: g.readdquiescent,
    cleanstop: g.cleanstop,
    autoreload: g.autoreload,
    callback: g.callback,
    logfile: g.logfile,
    supervised: g.supervised,
    fork: g.fork,
    maintenancedir: g.maintenancedir,
    execute: g.execute,
    emailalert: g.emailalert,
    emailalertfreq: g.emailalertfreq,
    emailalertstatus: g.emailalertstatus,
    emailalertfrom: g.emailalertfrom,
    smtp: g.smtp,
    fallback: g.fallback && fallbackServer(g.fallback, 0),
    fallback6: g.fallback6 && fallbackServer(g.fallback6, 0),
    fallbackcommand: g.fallbackcommand,
    maxPurgePercent: g.maxPurgePercent,
  });
}

/** All virtuals with inherited values; duplicates reported. */
export function finalizeVirtuals(sections: readonly ResolvedSection[], ctx: ParseContext): Virtual[] {
  const g = ctx.globals;
  const seen = new Map<string, number>();
  const out: Virtual[] = [];
  for (const s of sections) {
    const v = finalizeVirtual(s, g, ctx);
    if (!v) continue;
    const first = seen.get(v.key);
    if (first !== undefined) {
      ctx.diag.error(v.line, s.draft.directive, `duplicate virtual server ${v.key} (first at line ${first})`);
      continue;
    }
    seen.set(v.key, v.line);
    if (!g.fork && s.draft.checkIntervalSec !== undefined) {
      ctx.diag.warn(undefined, undefined, `checkinterval in virtual service ${v.key} ignored when fork=no`);
    }
    out.push(v);
  }
  if (g.window && (g.failureCountLine !== undefined || g.riseCountLine !== undefined)) {
    ctx.diag.warn(g.windowLine, 'checkwindow', 'checkwindow decides when reals go down and come back; the global failurecount and risecount are not used');
  }
  if (ctx.emailLine !== undefined) {
    ctx.diag.warn(ctx.emailLine, undefined,
      'e-mail alerts are accepted and validated, but ldirectord-ng does not send them yet (they arrive in a later release)');
  }
  return out;
}

function finalizeVirtual(s: ResolvedSection, g: GlobalsDraft, ctx: ParseContext): Virtual | undefined {
  const d = s.draft;
  const endpoint = s.endpoint;
  if (!endpoint) return undefined;
  const receive = d.receive === '' ? undefined : translatePerlRegex(d.receive);
  const v = compact<Virtual>({
    key: virtualKey(endpoint, d.family),
    line: d.line,
    family: d.family,
    endpoint,
    label: virtualLabel(endpoint),
    protocol: d.protocol,
    service: s.service,
    checktype: d.checktype,
    checkport: d.checkport,
    request: d.request,
    receive: d.receive,
    receiveRegExp: receive?.ok ? receive.pattern : undefined,
    httpmethod: d.httpmethod,
    virtualhost: d.virtualhost,
    login: d.login,
    passwd: d.passwd,
    database: d.database,
    secret: d.secret,
    checkcommand: d.checkcommand,
    // checktimeout and negotiatetimeout stand in for each other (ld_setup, L2352-2384).
    checkTimeoutSec: d.checkTimeoutSec ?? d.negotiateTimeoutSec ?? g.checkTimeoutSec ?? g.negotiateTimeoutSec ?? DEFAULTS.checkTimeoutSec,
    negotiateTimeoutSec: d.negotiateTimeoutSec ?? d.checkTimeoutSec ?? g.negotiateTimeoutSec ?? g.checkTimeoutSec ?? DEFAULTS.negotiateTimeoutSec,
    checkIntervalSec: g.fork && d.checkIntervalSec !== undefined ? d.checkIntervalSec : g.checkIntervalSec,
    checkCount: d.checkCount ?? g.checkCount,
    failureCount: d.failureCount ?? g.failureCount,
    riseCount: d.riseCount ?? g.riseCount,
    window: d.window ?? g.window,
    tls: tlsPolicy(s),
    quiescent: d.quiescent ?? g.quiescent,
    cleanstop: d.cleanstop ?? g.cleanstop,
    scheduler: d.scheduler,
    persistentSec: d.persistentSec,
    netmask: d.netmask,
    schedflags: d.schedflags,
    ops: d.ops,
    fallback: s.fallback ? fallbackServer(s.fallback, 0) : globalFallback(s, g),
    fallbackcommand: d.fallbackcommand ?? g.fallbackcommand,
    monitorfile: d.monitorfile,
    emailalert: d.emailalert ?? g.emailalert,
    emailalertfreq: d.emailalertfreq ?? g.emailalertfreq,
    emailalertstatus: d.emailalertstatus ?? g.emailalertstatus,
    smtp: d.smtp ?? g.smtp,
    servicename: d.servicename,
    comment: d.comment,
    reals: s.reals,
  });
  warnAboutChecks(v, s, ctx);
  return v;
}

/**
 * The global fallback of the virtual's family. Without a port it takes the virtual's port
 * (a firewall mark's is 0; ldirectord crashes on that combination instead).
 */
function globalFallback(s: ResolvedSection, g: GlobalsDraft): FallbackServer | undefined {
  const f = s.draft.family === 6 ? g.fallback6 : g.fallback;
  if (!f) return undefined;
  return fallbackServer(f, s.endpoint?.kind === 'addr' ? s.endpoint.port : 0);
}

function fallbackServer(f: ResolvedFallback, defaultPort: number): FallbackServer {
  return { line: f.line, family: f.family, address: f.address, port: f.port ?? defaultPort, forward: f.forward };
}

function tlsPolicy(s: ResolvedSection): TlsPolicy {
  const d = s.draft;
  return compact<TlsPolicy>({
    verify: d.tlsVerify ?? DEFAULTS.tlsVerify,
    caFile: d.tlsCaFile,
    serverName: d.tlsServerName ?? hostOfVirtualhost(d.virtualhost),
  });
}

/** The host part of a Host header value (`www.example.com:8080` → `www.example.com`). */
function hostOfVirtualhost(vh: string | undefined): string | undefined {
  if (vh === undefined) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(vh);
  if (bracketed) return bracketed[1];
  if (isIP(vh) === 6) return vh;
  const host = vh.replace(/:\d+$/, '');
  return host === '' ? undefined : host;
}

function warnAboutChecks(v: Virtual, s: ResolvedSection, ctx: ParseContext): void {
  const d = s.draft;
  const warn = (line: number | undefined, directive: string | undefined, message: string): void =>
    ctx.diag.warn(line, directive, message);
  if (v.service === 'none' && v.checktype.kind === 'negotiate' && !d.serviceExplicit) {
    const why = v.endpoint.kind === 'fwmark' ? 'a firewall-mark virtual' : `port ${v.endpoint.kind === 'addr' ? v.endpoint.port : 0}`;
    warn(d.line, d.directive,
      `no service is known for ${why}, so the negotiate check always succeeds and the reals are never checked `
      + '(as in ldirectord); set service= or checktype=');
  }
  if (!TLS_SERVICES.has(v.service)) {
    for (const [line, name] of [[d.tlsVerifyLine, 'tlsverify'], [d.tlsCaFileLine, 'tlscafile'], [d.tlsServerNameLine, 'tlsservername']] as const) {
      if (line !== undefined) warn(line, name, `${name} has no effect with service=${v.service} (only https, imaps, pops and ldaps checks use TLS)`);
    }
  }
  if (d.tlsCaFileLine !== undefined && !v.tls.verify) {
    warn(d.tlsCaFileLine, 'tlscafile', 'tlscafile has no effect unless tlsverify=yes');
  }
  if (d.window && (d.failureCount !== undefined || d.riseCount !== undefined)) {
    warn(d.windowLine, 'checkwindow', 'checkwindow decides when reals go down and come back; failurecount and risecount are not used');
  }
  if (v.checktype.kind === 'external' && /\s/.test(v.checkcommand)) {
    warn(d.line, d.directive,
      `checkcommand ${JSON.stringify(v.checkcommand)} contains a blank; it is run without a shell, as in ldirectord, so it cannot carry arguments`);
  }
  const portless = v.checkport === undefined && PORT_BY_SERVICE.get(v.service) === undefined
    ? v.reals.find((r) => r.port === 0) : undefined;
  const needsPort = v.checktype.kind === 'connect' || v.checktype.kind === 'combined'
    || (v.checktype.kind === 'negotiate' && v.service !== 'none');
  if (portless && needsPort) {
    warn(portless.line, 'real', `the real ${portless.address} has no port and service=${v.service} has no default port; set checkport=`);
  }
}
