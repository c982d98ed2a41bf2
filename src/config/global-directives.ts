/**
 * Global lines (column 0, outside any section), as ldirectord's `read_config` reads them
 * (L1689-1813). Each handler validates one directive and updates the globals draft.
 */
import type { ParseContext } from './context.js';
import { unknownHint } from './directives.js';
import { noteEmail, readEmailAlert, readEmailAlertFreq, readEmailAlertStatus, readSmtp } from './email.js';
import { readCheckWindow, readMaxPurge, readRiseCount } from './extension-values.js';
import { parseFallbackLine } from './fallback-line.js';
import type { OrphanHint } from './lexer.js';
import { resolveFallback } from './resolve.js';
import { escapeControls, readNumber, readSeconds, readYesNo, show, unquote, warnAfterQuote, type At } from './values.js';

type Handler = (value: string, at: At, ctx: ParseContext) => 'unknown' | void;

const DIRECTIVE = /^([A-Za-z0-9_]+)[\t\n\f\r \x0B]*=[\t\n\f\r \x0B]*(.*)$/s;

const HANDLERS: Readonly<Record<string, Handler>> = {
  checktimeout(value, at, { globals }) {
    const n = readSeconds(at, value, 'positive', 'invalid check timeout value');
    if (typeof n === 'number') globals.checkTimeoutSec = n;
  },
  negotiatetimeout(value, at, { globals }) {
    const n = readSeconds(at, value, 'positive', 'invalid negotiate timeout value');
    if (typeof n === 'number') globals.negotiateTimeoutSec = n;
  },
  connecttimeout(_value, at) {
    at.diag.error(at.line, at.directive, 'connecttimeout directive deprecated in favour of negotiatetimeout');
  },
  timeout(_value, at) {
    at.diag.error(at.line, at.directive, 'timeout directive deprecated in favour of checktimeout and negotiatetimeout');
  },
  checkinterval(value, at, { globals }) {
    const n = readSeconds(at, value, 'nonzero', 'invalid check interval value');
    if (typeof n === 'number') globals.checkIntervalSec = n;
  },
  checkcount(value, at, { globals }) {
    const n = readNumber(at, value, 'nonzero', 'invalid check count value');
    if (n === undefined) return;
    if (n !== null) globals.checkCount = n;
    at.diag.warn(at.line, at.directive, "checkcount option is deprecated and slated for removal.  please see 'failurecount'");
  },
  failurecount(value, at, { globals }) {
    const n = readNumber(at, value, 'nonzero', 'invalid failure count value');
    if (typeof n !== 'number') return;
    globals.failureCount = n;
    globals.failureCountLine = at.line;
  },
  fallback: (value, at, ctx) => globalFallback(value, at, ctx, 4),
  fallback6: (value, at, ctx) => globalFallback(value, at, ctx, 6),
  fallbackcommand(value, at, { globals }) {
    if (value === '') return void at.diag.error(at.line, at.directive, 'invalid fallback command (no value given)');
    warnHash(at, value);
    globals.fallbackcommand = value;
  },
  autoreload: (value, at, { globals }) => yesNo(at, value, "autoreload must be 'yes' or 'no'", (b) => { globals.autoreload = b; }),
  callback(value, at, { globals }) {
    const q = unquote(value);
    if (!q) return 'unknown';
    warnAfterQuote(at, q.after);
    globals.callback = q.content;
  },
  logfile(value, at, ctx) {
    const q = unquote(value);
    if (!q) return 'unknown';
    warnAfterQuote(at, q.after);
    ctx.globals.logfile = q.content;
    ctx.globals.logfileLine = at.line;
  },
  execute(value, at, { globals }) {
    if (value === '') return void at.diag.warn(at.line, at.directive, 'execute= names no configuration; ignored');
    warnHash(at, value);
    if (!globals.execute.includes(value)) globals.execute.push(value);
  },
  fork: (value, at, { globals }) => yesNo(at, value, "fork must be 'yes' or 'no'", (b) => { globals.fork = b; }),
  quiescent: (value, at, { globals }) => yesNo(at, value, "quiescent must be 'yes' or 'no'", (b) => { globals.quiescent = b; }),
  readdquiescent: (value, at, { globals }) =>
    yesNo(at, value, "readdquiescent must be 'yes' or 'no'", (b) => { globals.readdquiescent = b; }),
  cleanstop: (value, at, { globals }) => yesNo(at, value, "cleanstop must be 'yes' or 'no'", (b) => { globals.cleanstop = b; }),
  emailalert(value, at, ctx) {
    noteEmail(ctx, at.line);
    warnHash(at, value);
    const list = readEmailAlert(at, value);
    if (list) ctx.globals.emailalert = list;
  },
  emailalertfreq(value, at, ctx) {
    noteEmail(ctx, at.line);
    const n = readEmailAlertFreq(at, value);
    if (n !== undefined) ctx.globals.emailalertfreq = n;
  },
  emailalertstatus(value, at, ctx) {
    noteEmail(ctx, at.line);
    const s = readEmailAlertStatus(at, value);
    if (s) ctx.globals.emailalertstatus = s;
  },
  emailalertfrom(value, at, ctx) {
    noteEmail(ctx, at.line);
    if (value === '') return void at.diag.error(at.line, at.directive, 'no email from address specified');
    warnHash(at, value);
    ctx.globals.emailalertfrom = value;
  },
  smtp(value, at, ctx) {
    noteEmail(ctx, at.line);
    const host = readSmtp(at, value);
    if (host !== undefined) ctx.globals.smtp = host;
  },
  maintenancedir(value, at, ctx) {
    if (value === '') return void at.diag.error(at.line, at.directive, 'maintenance directory not specified');
    warnHash(at, value);
    ctx.globals.maintenancedir = value;
    ctx.pathChecks.push({ kind: 'maintenancedir', path: value, line: at.line });
  },
  risecount(value, at, { globals }) {
    const n = readRiseCount(at, value);
    if (n === undefined) return;
    globals.riseCount = n;
    globals.riseCountLine = at.line;
  },
  checkwindow(value, at, { globals }) {
    const w = readCheckWindow(at, value);
    if (!w) return;
    globals.window = w;
    globals.windowLine = at.line;
  },
  maxpurge(value, at, { globals }) {
    const n = readMaxPurge(at, value);
    if (n !== undefined) globals.maxPurgePercent = n;
  },
};

/** Apply one global line. */
export function applyGlobalLine(text: string, line: number, ctx: ParseContext, orphan?: OrphanHint): void {
  if (text.startsWith('supervised')) return supervised(text, line, ctx);
  const m = DIRECTIVE.exec(text);
  const name = m?.[1];
  const value = m?.[2] ?? '';
  const at: At = { diag: ctx.diag, line, directive: name ?? '', global: true };
  const handler = name !== undefined && Object.hasOwn(HANDLERS, name) ? HANDLERS[name] : undefined;
  if (handler && handler(value, at, ctx) !== 'unknown') return;
  const indentedName = /^[\t\n\f\r \x0B]+([A-Za-z0-9_]+)[\t\n\f\r \x0B]*=/.exec(text)?.[1];
  let hint: string;
  if (orphan) {
    hint = `the blank line ${orphan.blankLine} ended the virtual section of line ${orphan.headerLine}; a section cannot contain blank lines`;
  } else if (indentedName !== undefined) {
    hint = 'global directives must start in column 0';
  } else {
    hint = unknownHint(name, m ? value : undefined, 'global');
  }
  ctx.diag.error(line, name ?? indentedName ?? '', `Unknown command ${escapeControls(text)}${hint ? ` (${hint})` : ''}`);
}

/** `supervised`: ldirectord matches any line that starts with the word. */
function supervised(text: string, line: number, ctx: ParseContext): void {
  const at: At = { diag: ctx.diag, line, directive: 'supervised', global: true };
  const m = /^supervised[\t\n\f\r \x0B]*=[\t\n\f\r \x0B]*(.*)$/s.exec(text);
  if (m && (m[1] === 'yes' || m[1] === 'no')) {
    ctx.globals.supervised = m[1] === 'yes';
  } else if (/^supervised[\t\n\f\r \x0B]*$/.test(text)) {
    ctx.globals.supervised = true;
    ctx.diag.warn(line, 'supervised', 'please update your config not to use a bare supervised directive');
  } else {
    readYesNo(at, m?.[1] ?? text.slice('supervised'.length), "supervised must be 'yes' or 'no'");
  }
}

function yesNo(at: At, value: string, message: string, set: (b: boolean) => void): void {
  const b = readYesNo(at, value, message);
  if (b !== undefined) set(b);
}

function globalFallback(value: string, at: At, ctx: ParseContext, family: 4 | 6): void {
  const spec = parseFallbackLine(value, at);
  if (!spec) return;
  // ldirectord resolves a global fallback once for tcp and once for udp virtuals.
  const resolved = resolveFallback(ctx, spec, at.line, at.directive, family, ['tcp', 'udp']);
  if (!resolved) return;
  if (family === 4) ctx.globals.fallback = resolved;
  else ctx.globals.fallback6 = resolved;
}

/** Raw global values keep everything, `#` included; say so. */
function warnHash(at: At, value: string): void {
  const i = value.indexOf('#');
  if (i >= 0) {
    at.diag.warn(at.line, at.directive,
      `the value includes ${show(value.slice(i))}: "#" does not start a comment on a global line, as in ldirectord`);
  }
}
