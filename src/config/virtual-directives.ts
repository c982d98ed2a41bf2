/**
 * Lines inside a virtual section, as ldirectord's `read_config` reads them (L1403-1676). Each
 * handler validates one directive and updates the section's draft; `real=` lines and the
 * fallback are only collected here and resolved when the section ends (virtual-resolve.ts).
 */
import type { ParseContext } from './context.js';
import type { VirtualDraft } from './drafts.js';
import { unknownHint } from './directives.js';
import { noteEmail, readEmailAlert, readEmailAlertFreq, readEmailAlertStatus, readSmtp } from './email.js';
import { readCheckWindow, readRiseCount } from './extension-values.js';
import { parseFallbackLine } from './fallback-line.js';
import { LIMITS } from './defaults.js';
import { SERVICE_NAMES, type ServiceName } from './model.js';
import { translatePerlRegex } from './receive-regex.js';
import { escapeControls, got, quotedOrBare, readNumber, readSeconds, readYesNo, show, unquote, warnAfterQuote, type At } from './values.js';

type Handler = (value: string, at: At, v: VirtualDraft, ctx: ParseContext) => 'unknown' | void;

const DIRECTIVE = /^([A-Za-z0-9_]+)[\t\n\f\r \x0B]*=[\t\n\f\r \x0B]*(.*)$/s;
const CHECKTYPES = ['connect', 'negotiate', 'ping', 'off', 'on', 'external', 'external-perl'] as const;
const SERVICE_ERROR = 'service must be dns, ftp, http, https, http_proxy, imap, imaps, ldap, ldaps, mysql, nntp, '
  + 'none, oracle, pop, pops, radius, pgsql, simpletcp, sip, smtp or submission';

/** Apply one section line. `raw` is the line as written, for "Unknown command". */
export function applyVirtualLine(text: string, raw: string, line: number, v: VirtualDraft, ctx: ParseContext): void {
  const m = DIRECTIVE.exec(text);
  const name = m?.[1];
  const value = m?.[2] ?? '';
  const at: At = { diag: ctx.diag, line, directive: name ?? '', global: false };
  const handler = name !== undefined && Object.hasOwn(HANDLERS, name) ? HANDLERS[name] : undefined;
  if (handler && handler(value, at, v, ctx) !== 'unknown') return;
  let hint = unknownHint(name, m ? value : undefined, 'virtual');
  if (raw.includes('#')) hint = `everything after "#" is a comment inside a virtual section${hint ? `; ${hint}` : ''}`;
  ctx.diag.error(line, name ?? '', `Unknown command "${escapeControls(raw)}"${hint ? ` (${hint})` : ''}`);
}

const HANDLERS: Readonly<Record<string, Handler>> = {
  real: (value, at, v) => real(value, at, v, 4),
  real6: (value, at, v) => real(value, at, v, 6),
  request(value, at, v) {
    const q = unquote(value);
    if (!q) return 'unknown';
    warnAfterQuote(at, q.after);
    if (q.content === '') return void at.diag.error(at.line, at.directive, 'no request string specified');
    v.request = q.content.startsWith('/') ? q.content : `/${q.content}`;
  },
  receive(value, at, v) {
    const q = unquote(value);
    if (!q) return 'unknown';
    warnAfterQuote(at, q.after);
    if (q.content === '') return void at.diag.error(at.line, at.directive, 'invalid receive string (it is empty)');
    const t = translatePerlRegex(q.content);
    if (!t.ok) return void at.diag.error(at.line, at.directive, `invalid receive string: ${t.reason}`);
    v.receive = q.content;
    v.receiveLine = at.line;
  },
  checktype(value, at, v) {
    const digits = /\d+/.exec(value)?.[0];
    if (digits !== undefined) {
      const n = Math.min(Number(digits), Number.MAX_SAFE_INTEGER);
      v.checktype = { kind: 'combined', negotiateEvery: n };
      if (digits !== value) at.diag.warn(at.line, at.directive, `checktype ${show(value)} is read as the number ${n}, as ldirectord does`);
      if (n === 0) at.diag.warn(at.line, at.directive, 'checktype=0 negotiates on every check, like checktype=negotiate');
    } else {
      const word = /[\w-]+/.exec(value)?.[0];
      if (word === undefined || !(CHECKTYPES as readonly string[]).includes(word)) {
        return void at.diag.error(at.line, at.directive, got(
          'checktype must be "connect", "negotiate", "on", "off", "ping", "external", "external-perl" or a positive number', value));
      }
      if (word !== value) at.diag.warn(at.line, at.directive, `checktype ${show(value)} is read as ${word}, as ldirectord does`);
      v.checktype = { kind: word as (typeof CHECKTYPES)[number] };
    }
    v.checktypeExplicit = true;
  },
  checkcommand(value, at, v) {
    const cmd = quotedOrBare(at, value);
    if (cmd === '') return void at.diag.error(at.line, at.directive, 'invalid check command (no value given)');
    v.checkcommand = cmd;
  },
  checktimeout(value, at, v) {
    const n = readSeconds(at, value, 'nonzero', 'invalid check timeout');
    if (typeof n === 'number') v.checkTimeoutSec = n;
  },
  negotiatetimeout(value, at, v) {
    const n = readSeconds(at, value, 'nonzero', 'invalid negotiate timeout');
    if (typeof n === 'number') v.negotiateTimeoutSec = n;
  },
  connecttimeout(_value, at) {
    at.diag.error(at.line, at.directive, 'connecttimeout directive deprecated in favour of negotiatetimeout');
  },
  checkcount(value, at, v) {
    const n = readNumber(at, value, 'nonzero', 'invalid check count');
    if (n === undefined) return;
    if (n !== null) v.checkCount = n;
    at.diag.warn(at.line, at.directive, "checkcount option is deprecated and slated for removal.  please see 'failurecount'");
  },
  failurecount(value, at, v) {
    const n = readNumber(at, value, 'nonzero', 'invalid failure count');
    if (typeof n === 'number') v.failureCount = n;
  },
  checkinterval(value, at, v) {
    const n = readSeconds(at, value, 'nonzero', 'invalid checkinterval');
    if (typeof n === 'number') v.checkIntervalSec = n;
  },
  checkport(value, at, v) {
    const n = readNumber(at, value, 'any', 'invalid port');
    if (n === undefined || n === null) return;
    if (n < 1 || n > 65535) return void at.diag.error(at.line, at.directive, got('checkport must be in range 1..65536', value));
    v.checkport = n;
  },
  login: (value, at, v) => credential(value, at, 'invalid login string', (s) => { v.login = s; }),
  passwd: (value, at, v) => credential(value, at, 'invalid password', (s) => { v.passwd = s; }),
  database: (value, at, v) => credential(value, at, 'invalid database', (s) => { v.database = s; }),
  secret: (value, at, v) => credential(value, at, 'invalid secret', (s) => { v.secret = s; }),
  load(value, at) {
    const q = unquote(value);
    if (!q) return 'unknown';
    if (!/\w/.test(q.content)) at.diag.error(at.line, at.directive, 'invalid string for load testing');
    // Parsed and never used by ldirectord either.
  },
  scheduler(value, at, v) {
    const s = /[a-z]+/.exec(value)?.[0];
    if (s === undefined) return void at.diag.error(at.line, at.directive, got('invalid scheduler, should be only lowercase letters (a-z)', value));
    if (s !== value) at.diag.warn(at.line, at.directive, `scheduler ${show(value)} is read as ${s}, as ldirectord does`);
    v.scheduler = s;
  },
  persistent(value, at, v) {
    const n = readNumber(at, value, 'any', 'invalid persistent timeout', LIMITS.maxInt32);
    if (n === undefined || n === null) return;
    if (n < 1 || n > LIMITS.maxPersistentSec) {
      at.diag.warn(at.line, at.directive, `persistent=${n} is outside 1..${LIMITS.maxPersistentSec}, which ipvsadm rejects`);
    }
    v.persistentSec = n;
  },
  schedflags(value, at, v) {
    const s = /\S+/.exec(value)?.[0];
    if (s === undefined) return void at.diag.error(at.line, at.directive, 'invalid sched-flags (no value given)');
    if (s !== value) at.diag.warn(at.line, at.directive, `schedflags ${show(value)} is read as ${s}, as ldirectord does`);
    v.schedflags = s;
  },
  netmask(value, at, v) {
    if (v.family === 6) {
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 128) {
        return void at.diag.error(at.line, at.directive, got('invalid netmask: a prefix length between 1 and 128 is required', value));
      }
    } else {
      const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(value);
      if (!m) return void at.diag.error(at.line, at.directive, got('invalid netmask: dotted quad notation is required', value));
      if (m.slice(1).some((o) => Number(o) > 255)) {
        return void at.diag.error(at.line, at.directive, got('invalid netmask: each part of the dotted quad must be 0..255', value));
      }
    }
    v.netmask = value;
  },
  protocol(value, at, v) {
    const p = /\w+/.exec(value)?.[0];
    if (p === undefined) return void at.diag.error(at.line, at.directive, got('invalid protocol', value));
    if (v.protocol === 'fwm') {
      if (p !== 'fwm') at.diag.error(at.line, at.directive, got('protocol must be fwm if the virtual service is a fwmark (a number)', value));
    } else if (p === 'tcp' || p === 'udp') {
      v.protocol = p;
    } else {
      return void at.diag.error(at.line, at.directive, got('protocol must be tcp or udp if the virtual service is an address and port', value));
    }
    if (p !== value) at.diag.warn(at.line, at.directive, `protocol ${show(value)} is read as ${p}, as ldirectord does`);
  },
  ops: (value, at, v) => yesNo(at, value, "ops must be 'yes' or 'no'", (b) => { v.ops = b; }),
  service(value, at, v, ctx) {
    const s = /\w+/.exec(value)?.[0];
    if (s === undefined || !(SERVICE_NAMES as readonly string[]).includes(s)) {
      return void at.diag.error(at.line, at.directive, got(SERVICE_ERROR, value));
    }
    if (s !== value) at.diag.warn(at.line, at.directive, `service ${show(value)} is read as ${s}, as ldirectord does`);
    v.service = s as ServiceName;
    v.serviceExplicit = true;
    // Only an explicit service= fills these, and only while they are still empty (L1581-1592).
    if (s === 'ftp' && v.login === '') v.login = 'anonymous';
    else if (s === 'sip' && v.login === '') v.login = `ldirectord@${ctx.hostname}`;
    if (s === 'ftp' && v.passwd === '') v.passwd = `ldirectord@${ctx.hostname}`;
  },
  httpmethod(value, at, v) {
    const word = /\w+/.exec(value)?.[0]?.toUpperCase();
    if (word !== 'GET' && word !== 'HEAD') return void at.diag.error(at.line, at.directive, got('httpmethod must be GET or HEAD', value));
    v.httpmethod = word;
  },
  virtualhost(value, at, v) {
    const host = /^"?([^"]*)/.exec(value)?.[1] ?? '';
    if (host === '') {
      delete v.virtualhost;
      return void at.diag.warn(at.line, at.directive, "an empty virtualhost is ignored; checks send the real's address as Host");
    }
    v.virtualhost = host;
  },
  fallback: (value, at, v) => fallback(value, at, v, 4),
  fallback6: (value, at, v) => fallback(value, at, v, 6),
  fallbackcommand(value, at, v) {
    const cmd = quotedOrBare(at, value);
    if (cmd === '') return void at.diag.error(at.line, at.directive, 'invalid fallback command (no value given)');
    v.fallbackcommand = cmd;
  },
  quiescent: (value, at, v) => yesNo(at, value, "quiescent must be 'yes' or 'no'", (b) => { v.quiescent = b; }),
  cleanstop: (value, at, v) => yesNo(at, value, "cleanstop must be 'yes' or 'no'", (b) => { v.cleanstop = b; }),
  emailalert(value, at, v, ctx) {
    noteEmail(ctx, at.line);
    const list = readEmailAlert(at, value);
    if (list) v.emailalert = list;
  },
  emailalertfreq(value, at, v, ctx) {
    noteEmail(ctx, at.line);
    const n = readEmailAlertFreq(at, value);
    if (n !== undefined) v.emailalertfreq = n;
  },
  emailalertstatus(value, at, v, ctx) {
    noteEmail(ctx, at.line);
    const s = readEmailAlertStatus(at, value);
    if (s) v.emailalertstatus = s;
  },
  smtp(value, at, v, ctx) {
    noteEmail(ctx, at.line);
    const host = readSmtp(at, value);
    if (host !== undefined) v.smtp = host;
  },
  monitorfile(value, at, v, ctx) {
    const path = quotedOrBare(at, value);
    v.monitorfile = path;
    ctx.pathChecks.push({ kind: 'monitorfile', path, line: at.line });
  },
  servicename(value, _at, v) { v.servicename = value; },
  comment(value, _at, v) { v.comment = value; },
  risecount(value, at, v) {
    const n = readRiseCount(at, value);
    if (n !== undefined) v.riseCount = n;
  },
  checkwindow(value, at, v) {
    const w = readCheckWindow(at, value);
    if (!w) return;
    v.window = w;
    v.windowLine = at.line;
  },
  tlsverify: (value, at, v) => yesNo(at, value, "tlsverify must be 'yes' or 'no'", (b) => {
    v.tlsVerify = b;
    v.tlsVerifyLine = at.line;
  }),
  tlscafile(value, at, v, ctx) {
    const path = quotedOrBare(at, value);
    if (path === '') return void at.diag.error(at.line, at.directive, 'invalid tlscafile (no value given)');
    v.tlsCaFile = path;
    v.tlsCaFileLine = at.line;
    ctx.pathChecks.push({ kind: 'tlscafile', path, line: at.line });
  },
  tlsservername(value, at, v) {
    const name = quotedOrBare(at, value);
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
      return void at.diag.error(at.line, at.directive, got('invalid tlsservername, a host name is required', value));
    }
    v.tlsServerName = name;
    v.tlsServerNameLine = at.line;
  },
};

function real(value: string, at: At, v: VirtualDraft, family: 4 | 6): void {
  if (family !== v.family) {
    const want = v.family === 6 ? 'real6' : 'real';
    return void at.diag.error(at.line, at.directive, `cannot specify "${at.directive}" here.  please use "${want}" instead`);
  }
  v.reals.push({ line: at.line, directive: family === 6 ? 'real6' : 'real', value });
}

function fallback(value: string, at: At, v: VirtualDraft, family: 4 | 6): void {
  if (family !== v.family) {
    const want = v.family === 6 ? 'fallback6' : 'fallback';
    return void at.diag.error(at.line, at.directive, `cannot specify "${at.directive}" here.  please use "${want}" instead`);
  }
  const spec = parseFallbackLine(value, at);
  if (spec) v.fallback = { line: at.line, spec };
}

function credential(value: string, at: At, message: string, set: (s: string) => void): 'unknown' | void {
  const q = unquote(value);
  if (!q) return 'unknown';
  warnAfterQuote(at, q.after);
  if (q.content === '') return void at.diag.error(at.line, at.directive, `${message} (it is empty)`);
  set(q.content);
}

function yesNo(at: At, value: string, message: string, set: (b: boolean) => void): void {
  const b = readYesNo(at, value, message);
  if (b !== undefined) set(b);
}
