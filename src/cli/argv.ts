/**
 * ldirectord's command line, parsed the way its Getopt::Long setup does (bundling, no
 * abbreviations, require_order: options end at the first non-option word), plus our own options.
 * Hand-written because node:util parseArgs has no require_order mode, and a word after the config
 * file must never be taken for an option.
 *
 *   ldirectord-ng [options] [--] [configfile] start|stop|restart|try-restart|reload|force-reload|status|configtest
 *   ldirectord-ng [options] -t [configfile]
 *   ldirectord-ng -h|-?|--help | -v|--version
 */
import { UsageError } from '../util/errors.js';

export const COMMANDS = ['start', 'stop', 'restart', 'try-restart', 'reload', 'force-reload', 'status', 'configtest'] as const;
export type Command = (typeof COMMANDS)[number];

export type IpvsChoice = 'netlink' | 'memory';

export interface CliOptions {
  readonly debug: boolean;
  readonly dumpConfig: boolean;
  readonly ipvs: IpvsChoice;
  readonly pidFile?: string;
  readonly syslogSocket?: string;
  /** Internal: set in the detached child so it does not detach again. */
  readonly detached: boolean;
}

export type Invocation =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | {
      readonly kind: 'command';
      readonly command: Command;
      /** The config name as given (searched later), or `ldirectord.cf` when none was given. */
      readonly config: string;
      /** ldirectord's CFGNAME: the given file's basename, or `ldirectord` when none was given. */
      readonly configName: string;
      readonly options: CliOptions;
      /** The words after the options, for the "invoked as" log line. */
      readonly args: readonly string[];
    };

const DEFAULT_CONFIG = 'ldirectord.cf';

/** Options that take a value (`--name=value` or `--name value`). */
const VALUE_OPTIONS = new Set(['ipvs', 'pid-file', 'syslog-socket']);

/** Throws UsageError (exit 255) for anything ldirectord's grammar does not allow. */
export function parseArgv(argv: readonly string[]): Invocation {
  let debug = false;
  let help = false;
  let version = false;
  let test = false;
  let dumpConfig = false;
  let detached = false;
  let ipvs: IpvsChoice = 'netlink';
  let pidFile: string | undefined;
  let syslogSocket: string | undefined;

  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--') { i++; break; }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const name = word.slice(2, eq < 0 ? undefined : eq);
      let value: string | undefined = eq < 0 ? undefined : word.slice(eq + 1);
      if (VALUE_OPTIONS.has(name) && value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new UsageError(`Option ${name} requires an argument`);
      } else if (!VALUE_OPTIONS.has(name) && value !== undefined) {
        throw new UsageError(`Option ${name} does not take an argument`);
      }
      switch (name) {
        case 'debug': debug = true; break;
        case 'help': help = true; break;
        case 'version': version = true; break;
        case 'configtest': test = true; break;
        case 'dump-config': dumpConfig = true; break;
        case 'detached': detached = true; break;
        case 'ipvs':
          if (value !== 'netlink' && value !== 'memory') throw new UsageError(`--ipvs must be netlink or memory, not "${value}"`);
          ipvs = value;
          break;
        case 'pid-file': pidFile = value; break;
        case 'syslog-socket': syslogSocket = value; break;
        default: throw new UsageError(`Unknown option: ${name}`);
      }
      continue;
    }
    if (word.startsWith('-') && word.length > 1) {
      for (const letter of word.slice(1)) {
        switch (letter) {
          case 'd': debug = true; break;
          case 'h': case '?': help = true; break;
          case 'v': version = true; break;
          case 't': test = true; break;
          default: throw new UsageError(`Unknown option: ${letter}`);
        }
      }
      continue;
    }
    break;
  }
  const args = argv.slice(i);
  if (help) return { kind: 'help' };
  if (version) return { kind: 'version' };

  const options: CliOptions = { debug, dumpConfig, ipvs, pidFile, syslogSocket, detached };
  if (test || dumpConfig) {
    // `-t [configfile]`, `--dump-config [configfile]`, or either with an explicit `configtest`.
    const rest = args[args.length - 1] === 'configtest' ? args.slice(0, -1) : args;
    if (rest.length > 1) throw new UsageError('too many arguments for a configuration test');
    return command('configtest', rest[0], options, args);
  }
  if (args.length === 0) throw new UsageError('no command given');
  if (args.length > 2) throw new UsageError(`too many arguments: ${args.join(' ')}`);
  const [first, second] = args as [string, string | undefined];
  const word = second ?? first;
  if (!isCommand(word)) throw new UsageError(`unknown command: ${word}`);
  return command(word, second === undefined ? undefined : first, options, args);
}

function command(cmd: Command, config: string | undefined, options: CliOptions, args: readonly string[]): Invocation {
  return {
    kind: 'command',
    command: cmd,
    config: config ?? DEFAULT_CONFIG,
    configName: config === undefined ? 'ldirectord' : basename(config),
    options,
    args,
  };
}

function isCommand(word: string): word is Command {
  return (COMMANDS as readonly string[]).includes(word);
}

function basename(path: string): string {
  const m = /([^/]+)$/.exec(path);
  return m ? (m[1] as string) : path;
}

export const USAGE = `Usage:
    ldirectord-ng [-d|--debug] [options] [--] [configfile] start|stop|restart|try-restart|reload|force-reload|status|configtest
    ldirectord-ng -t|--configtest [--dump-config] [configfile]
    ldirectord-ng -h|-?|--help|-v|--version

Options:
    -d, --debug            Stay in the foreground, log to stdout, write no pid file.
    -t, --configtest       Check the configuration file and exit (0 valid, 2 invalid).
    --dump-config          Print the configuration as ldirectord-ng understands it (JSON, secrets masked).
    --ipvs=netlink|memory  IPVS backend: the kernel over generic netlink (default), or an in-memory table.
    --pid-file=PATH        Pid file (default /var/run/ldirectord.<config name>.pid).
    --syslog-socket=PATH   Syslog socket for logfile="<facility>" (default /dev/log).
    -h, -?, --help         Show this help.
    -v, --version          Show the version.

The configuration file is looked for as /etc/ha.d/<configfile>, /etc/ha.d/conf/<configfile>,
then <configfile> as given; without one, ldirectord.cf.
`;
