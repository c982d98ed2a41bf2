/**
 * The e-mail alert directives (`emailalert`, `emailalertfreq`, `emailalertstatus`, `smtp`),
 * read and validated as ldirectord does, in both scopes. ldirectord-ng does not send mail yet;
 * the loader says so once (see finalize.ts).
 */
import type { ParseContext } from './context.js';
import type { EmailAlertStatus } from './model.js';
import { got, show, type At } from './values.js';

/** Remember the first e-mail directive. */
export function noteEmail(ctx: ParseContext, line: number): void {
  if (ctx.emailLine === undefined) ctx.emailLine = line;
}

/** `read_emailalert`: enclosing quotes dropped, must not be empty; a comma-separated list. */
export function readEmailAlert(at: At, value: string): string[] | undefined {
  const text = /^"([^"]*)"$/.exec(value)?.[1] ?? value;
  if (text === '') {
    at.diag.error(at.line, at.directive, 'no email address specified');
    return undefined;
  }
  return text.split(',').map((a) => a.trim()).filter((a) => a !== '');
}

/** `emailalertfreq\s*=\s*(\d*)`: digits right after `=`; seconds, 0 = no reminders. */
export function readEmailAlertFreq(at: At, value: string): number | undefined {
  const digits = /^\d*/.exec(value)?.[0] ?? '';
  if (digits === '') {
    at.diag.error(at.line, at.directive, got('invalid email alert frequency', value));
    return undefined;
  }
  if (digits !== value) at.diag.warn(at.line, at.directive, `${at.directive} ${show(value)} is read as ${Number(digits)}`);
  return Math.min(Number(digits), Number.MAX_SAFE_INTEGER);
}

const STATUSES: readonly EmailAlertStatus[] = ['all', 'none', 'starting', 'running', 'stopping', 'reloading'];

/**
 * `parse_emailalertstatus`: a comma list; `none` cannot be combined with anything else. The
 * result is normalised: `['all']`, `['none']` (also for an empty list), or the states named.
 */
export function readEmailAlertStatus(at: At, value: string): EmailAlertStatus[] | undefined {
  // Perl's split drops trailing empty fields but keeps leading ones.
  const items = value.split(/\s*,\s*/);
  while (items.length > 0 && items[items.length - 1] === '') items.pop();
  const none = items.includes('none');
  const named = new Set<EmailAlertStatus>();
  for (const item of items) {
    if (item === 'none') continue;
    if (!(STATUSES as readonly string[]).includes(item)) {
      at.diag.error(at.line, at.directive, `invalid email alert status at: ${JSON.stringify(item)}`);
      return undefined;
    }
    if (none) {
      at.diag.error(at.line, at.directive, `invalid email alert status: ${JSON.stringify(item)} specified with "none"`);
      return undefined;
    }
    named.add(item as EmailAlertStatus);
  }
  if (named.has('all')) return ['all'];
  if (named.size === 0) return ['none'];
  return STATUSES.filter((s) => named.has(s));
}

/** `smtp`: a host name or address at the start of the value; the rest is ignored (warned). */
export function readSmtp(at: At, value: string): string | undefined {
  const host = /^[0-9A-Za-z._+-]+/.exec(value)?.[0];
  if (host === undefined) {
    at.diag.error(at.line, at.directive, got('invalid SMTP server address', value));
    return undefined;
  }
  if (host !== value) at.diag.warn(at.line, at.directive, `only ${show(host)} is used as the SMTP server; the rest is ignored, as ldirectord does`);
  return host;
}
