/**
 * The directives ldirectord-ng knows: where each may appear, and whether it comes from
 * ldirectord or is ours. Used for "Unknown command" hints and checked against
 * docs/config-reference.md by the tests.
 */

/** Where a directive may appear; `header` is `virtual=`/`virtual6=` itself. */
export type DirectiveScope = 'global' | 'virtual' | 'both' | 'header';
/** Whether ldirectord 4.12 knows the directive or it is ldirectord-ng's own. */
export type DirectiveOrigin = 'ldirectord' | 'extension';

/** One known directive. */
export interface DirectiveInfo {
  readonly name: string;
  readonly scope: DirectiveScope;
  readonly origin: DirectiveOrigin;
  /** ldirectord only accepts the value in double quotes. */
  readonly quoted?: boolean;
}

const d = (name: string, scope: DirectiveScope, extra: Partial<DirectiveInfo> = {}): DirectiveInfo =>
  ({ name, scope, origin: 'ldirectord', ...extra });
const ext = (name: string, scope: DirectiveScope): DirectiveInfo => ({ name, scope, origin: 'extension' });

/** Every directive ldirectord-ng reads (docs/config-reference.md has one row for each). */
export const DIRECTIVES: readonly DirectiveInfo[] = [
  d('virtual', 'header'), d('virtual6', 'header'),
  d('real', 'virtual'), d('real6', 'virtual'),
  d('fallback', 'both'), d('fallback6', 'both'), d('fallbackcommand', 'both'),
  d('checktype', 'virtual'), d('service', 'virtual'), d('checkport', 'virtual'),
  d('request', 'virtual', { quoted: true }), d('receive', 'virtual', { quoted: true }),
  d('httpmethod', 'virtual'), d('virtualhost', 'virtual'),
  d('login', 'virtual', { quoted: true }), d('passwd', 'virtual', { quoted: true }),
  d('database', 'virtual', { quoted: true }), d('secret', 'virtual', { quoted: true }),
  d('checkcommand', 'virtual'),
  d('checktimeout', 'both'), d('negotiatetimeout', 'both'), d('connecttimeout', 'both'), d('timeout', 'global'),
  d('checkinterval', 'both'), d('checkcount', 'both'), d('failurecount', 'both'),
  d('quiescent', 'both'), d('readdquiescent', 'global'), d('cleanstop', 'both'),
  d('scheduler', 'virtual'), d('persistent', 'virtual'), d('netmask', 'virtual'), d('schedflags', 'virtual'),
  d('protocol', 'virtual'), d('ops', 'virtual'), d('monitorfile', 'virtual'),
  d('emailalert', 'both'), d('emailalertfreq', 'both'), d('emailalertstatus', 'both'),
  d('emailalertfrom', 'global'), d('smtp', 'both'),
  d('servicename', 'virtual'), d('comment', 'virtual'), d('load', 'virtual', { quoted: true }),
  d('autoreload', 'global'), d('callback', 'global', { quoted: true }), d('logfile', 'global', { quoted: true }),
  d('supervised', 'global'), d('fork', 'global'), d('maintenancedir', 'global'), d('execute', 'global'),
  ext('risecount', 'both'), ext('checkwindow', 'both'), ext('tlsverify', 'virtual'),
  ext('tlscafile', 'virtual'), ext('tlsservername', 'virtual'), ext('maxpurge', 'global'),
];

const BY_NAME = new Map(DIRECTIVES.map((x) => [x.name, x]));

/**
 * A hint for a line that ldirectord calls "Unknown command", or '' when there is nothing
 * useful to add. `where` is the scope the line was read in.
 */
export function unknownHint(name: string | undefined, value: string | undefined, where: 'global' | 'virtual'): string {
  if (name === undefined) return '';
  const info = BY_NAME.get(name);
  if (!info) {
    const lower = BY_NAME.get(name.toLowerCase());
    return lower ? `directive names are lower-case: ${lower.name}` : '';
  }
  if (where === 'global' && info.scope === 'virtual') {
    return `${name} is only valid inside a virtual section, indented by at least 4 spaces or a TAB`;
  }
  if (where === 'virtual' && info.scope === 'global') {
    return `${name} is a global directive; it must start in column 0, outside virtual sections`;
  }
  if (where === 'virtual' && info.scope === 'header') {
    return `${name} must start in column 0`;
  }
  if (info.quoted && value !== undefined) {
    const quotes = (value.match(/"/g) ?? []).length;
    if (quotes === 1) return `the closing quote is missing`;
    return `the value of ${name} must be in double quotes: ${name}="..."`;
  }
  return '';
}
