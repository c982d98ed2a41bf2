/**
 * service=ftp, as ldirectord's Net::FTP check: log in (ldirectord's anonymous defaults come from
 * the plan), CWD /, binary, passive, RETR `request`, and up when the file matches `receive`.
 * Unlike ldirectord, which ignores every error and so passes an empty receive even when nothing
 * listens, the login and the download must succeed; an empty receive then accepts any content.
 */
import { Writable } from 'node:stream';
import { Client, FTPError, type FTPResponse } from 'basic-ftp';
import { hostPort } from '../../util/ip.js';
import { startCheckTimer } from '../check-timer.js';
import { BODY_CAP_BYTES } from '../http-exchange.js';
import { deadlineText, describeNetError } from '../net-error.js';
import { compileReceive, showPattern } from '../receive-pattern.js';
import type { CheckResult, CheckSpecOf, Checker } from '../types.js';
import { connectLine, type DialogPhase } from './line-connect.js';
import { LineFailure } from './line-failure.js';
import { quoted } from './line-session.js';

/** How long QUIT may wait for its answer once the verdict is known (ms). */
const FAREWELL_GRACE_MS = 1000;

/** Up when the login and the download succeed and the file's first 64 KiB match `receive`. */
export const ftpCheck: Checker<CheckSpecOf<'service'>> = async (spec, signal) => {
  const timer = startCheckTimer();
  const label = `ftp ${hostPort(spec.target.address, spec.target.port)}`;
  const receive = compileReceive(spec.receive, spec.receiveFlags);
  if (!receive.ok) return timer.down('error', `${label}: ${receive.detail}`);
  // No library timeouts: the signal is the one deadline. The data connection always goes to the
  // control connection's address, whatever PASV says.
  const client = new Client(0, { allowSeparateTransferHost: false });
  const onAbort = (): void => client.close();
  signal.addEventListener('abort', onAbort, { once: true });
  const phase: DialogPhase = { text: 'before connecting' };
  const sink = new CappedSink(BODY_CAP_BYTES);
  try {
    // The control connection is made as every other check makes it, then handed to basic-ftp.
    const socket = await connectLine(spec.target, undefined, signal, phase);
    client.ftp.socket = socket;
    await step(phase, 'while waiting for the greeting', 'greeting refuses service', 'bad-status', greeting(client));
    const user = spec.login === '' ? 'anonymous' : spec.login;
    await step(phase, 'while logging in', `login as ${quoted(user)} refused`, 'auth', client.login(user, spec.passwd));
    // ldirectord ignores what CWD and TYPE answer; only the download counts.
    phase.text = 'while changing to /';
    await client.sendIgnoringError('CWD /');
    phase.text = 'while switching to binary';
    await client.sendIgnoringError('TYPE I');
    try {
      await step(phase, `while fetching ${spec.request}`, `RETR ${spec.request} refused`, 'bad-status', client.downloadTo(sink, spec.request));
    } catch (err) {
      // A file past the cap is cut short on purpose; what arrived is judged like a whole file.
      if (!sink.full) throw err;
    }
    const content = sink.text();
    const what = sink.full ? `the first ${sink.bytes} bytes of ${spec.request}` : `${spec.request} (${sink.bytes} bytes)`;
    await farewell(client, signal);
    if (receive.regex !== undefined && !receive.regex.test(content)) {
      return timer.down('body-mismatch', `${label}: receive ${showPattern(receive.regex)} not found in ${what} ${quoted(content.slice(0, 60))}`);
    }
    return timer.up(`${label}: fetched ${what}${receive.regex === undefined ? '' : `, receive ${showPattern(receive.regex)} found`}`);
  } catch (err) {
    return failed(err, signal, timer, label, phase.text);
  } finally {
    signal.removeEventListener('abort', onAbort);
    client.close();
  }
};

/** The server's first reply, which must be 2xx (basic-ftp's own connect() does the same). */
function greeting(client: Client): Promise<FTPResponse> {
  return client.ftp.handle(undefined, (res, task) => {
    if (res instanceof Error) task.reject(res);
    else if (res.code >= 200 && res.code < 300) task.resolve(res);
    else task.reject(new FTPError(res));
  }) as Promise<FTPResponse>;
}

/** Runs one FTP step; a negative FTP reply becomes a LineFailure of `reason` quoting the server. */
async function step<T>(phase: DialogPhase, text: string, refused: string, reason: 'auth' | 'bad-status', work: Promise<T>): Promise<T> {
  phase.text = text;
  try {
    return await work;
  } catch (err) {
    if (err instanceof FTPError) throw new LineFailure(reason, `${refused}: ${quoted(err.message)}`);
    throw err;
  }
}

function failed(err: unknown, signal: AbortSignal, timer: ReturnType<typeof startCheckTimer>, label: string, phase: string): CheckResult {
  if (signal.aborted) return timer.down('timeout', `${label}: ${deadlineText(signal)} ${phase}`);
  if (err instanceof LineFailure) return timer.down(err.reason, `${label}: ${err.text}`);
  // basic-ftp words a server's close in its own way; say it as the other checks do.
  if (err instanceof Error && /^Server (sent FIN packet|closed connection) unexpectedly/.test(err.message)) {
    return timer.down('reset', `${label}: connection closed by the server ${phase}`);
  }
  const f = describeNetError(err);
  return timer.down(f.reason, `${label}: ${f.text} ${phase}`);
}

/** QUIT, as Net::FTP's quit, waiting briefly for the answer; never fails, never outlives the deadline. */
async function farewell(client: Client, signal: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, FAREWELL_GRACE_MS);
    onAbort = resolve;
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([client.sendIgnoringError('QUIT').catch(() => undefined), grace]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** Keeps the first `cap` bytes of the download, then stops it by failing the write. */
class CappedSink extends Writable {
  private readonly chunks: Buffer[] = [];
  bytes = 0;
  full = false;

  constructor(private readonly cap: number) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const room = this.cap - this.bytes;
    this.chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
    this.bytes += Math.min(chunk.length, room);
    if (chunk.length >= room) {
      this.full = true;
      callback(new Error(`download stopped after ${this.cap} bytes`));
      return;
    }
    callback();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
