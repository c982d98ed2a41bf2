/**
 * One HTTP/1.1 request over one fresh connection, shared by the http, https and http_proxy checks.
 *
 * undici's Client is given our own connector rather than its built-in one for two reasons: the
 * check decides the SNI exactly (undici would otherwise derive it from the Host header or a
 * hostname origin), and the connector tells us whether the connection was ever established, so a
 * deadline is reported as "while connecting" or "while waiting for the response". undici's own
 * timers are switched off: the AbortSignal is the one hard deadline.
 */
import { STATUS_CODES } from 'node:http';
import { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Client, type Dispatcher, type buildConnector } from 'undici';
import { hostPort } from '../util/ip.js';
import type { CheckTimer } from './check-timer.js';
import { deadlineText, describeNetError } from './net-error.js';
import { showPattern } from './receive-pattern.js';
import type { CheckResult } from './types.js';

/** Enough for any receive string; the rest of a body is never read. */
export const BODY_CAP_BYTES = 64 * 1024;

/** How much of a mismatching body the detail quotes. */
const EXCERPT_CHARS = 60;

export interface HttpExchange {
  /** Where the connection goes: the URL's host for http(s), the real for http_proxy. */
  readonly connectTo: { readonly scheme: 'http' | 'https'; readonly address: string; readonly port: number };
  /** Request target: a path, or an absolute URL when talking to a proxy. */
  readonly path: string;
  readonly method: 'GET' | 'HEAD';
  /** Host header; undefined lets undici send the connection's host. */
  readonly host?: string;
  /** Tested against the body; undefined means any 2xx passes. */
  readonly receive?: RegExp;
  /** https only: whether to verify, the CA bundle, and the SNI (undefined sends none). */
  readonly tls?: { readonly verify: boolean; readonly ca?: Buffer; readonly serverName?: string };
  /** Prefix of every failure detail, e.g. `HTTP GET http://127.0.0.1:80/`. */
  readonly label: string;
}

interface Progress {
  /** TCP is up (for https the handshake may still be under way). */
  tcp: boolean;
  /** Ready for the request: TCP up, and for https the handshake done. */
  connected: boolean;
  headers: boolean;
  bytes: number;
}

/** Runs the exchange and judges it: 2xx, then `receive` on the first BODY_CAP_BYTES of the body. */
export async function exchangeHttp(x: HttpExchange, signal: AbortSignal, timer: CheckTimer): Promise<CheckResult> {
  const progress: Progress = { tcp: false, connected: false, headers: false, bytes: 0 };
  const sockets: Socket[] = [];
  // undici leaves a request pending when its signal fires while the connection is still being
  // set up (verified with 7.30); failing the socket makes the connector report an error instead.
  const onAbort = (): void => {
    for (const s of sockets) s.destroy(abortError(signal));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const client = new Client(`${x.connectTo.scheme}://${hostPort(x.connectTo.address, x.connectTo.port)}`, {
    connect: connector(x, progress, sockets, signal),
    headersTimeout: 0,
    bodyTimeout: 0,
    pipelining: 1,
  });
  let res: Dispatcher.ResponseData | undefined;
  try {
    res = await client.request({
      path: x.path,
      method: x.method,
      headers: { 'user-agent': 'ldirectord-ng', ...(x.host === undefined ? {} : { host: x.host }) },
      reset: true,
      signal,
    });
    progress.headers = true;
    const status = `${res.statusCode} ${res.statusText || STATUS_CODES[res.statusCode] || ''}`.trim();
    if (res.statusCode < 200 || res.statusCode > 299) {
      const location = res.headers.location;
      const redirect = res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string'
        ? ` (redirect to ${location} not followed)` : '';
      return timer.down('bad-status', `${x.label}: status ${status}${redirect}`);
    }
    const { text, truncated } = await readCapped(res.body, progress);
    if (x.receive !== undefined && !x.receive.test(text)) {
      const where = truncated ? `the first ${BODY_CAP_BYTES} bytes of the body` : `the ${progress.bytes}-byte body`;
      return timer.down('body-mismatch', `${x.label}: receive ${showPattern(x.receive)} not found in ${where} ${excerpt(text)}`);
    }
    return timer.up(status);
  } catch (err) {
    if (signal.aborted) return timer.down('timeout', `${x.label}: ${deadlineText(signal)} ${phase(progress)}`);
    const f = describeNetError(err);
    if (!progress.connected) {
      const where = `${x.label}: connect ${hostPort(x.connectTo.address, x.connectTo.port)}`;
      // Whatever breaks a TLS handshake (a reset from a server that does not speak TLS, say) is a TLS failure.
      if (progress.tcp && f.reason !== 'tls') return timer.down('tls', `${where}: TLS handshake failed: ${f.text}`);
      return timer.down(f.reason, `${where}: ${f.text}`);
    }
    return timer.down(f.reason, `${x.label}: ${f.text} ${phase(progress)}`);
  } finally {
    signal.removeEventListener('abort', onAbort);
    res?.body.on('error', () => undefined).destroy();
    for (const s of sockets) s.on('error', () => undefined).destroy();
    await client.destroy().catch(() => undefined);
  }
}

function connector(x: HttpExchange, progress: Progress, sockets: Socket[], signal: AbortSignal): buildConnector.connector {
  return (_opts, callback) => {
    if (signal.aborted) {
      callback(abortError(signal), null);
      return;
    }
    const { address, port } = x.connectTo;
    const socket: Socket = x.connectTo.scheme === 'https'
      ? tlsConnect({
          host: address,
          port,
          // Node sends SNI only when servername is given, and never for an IP literal.
          ...(x.tls?.serverName === undefined ? {} : { servername: x.tls.serverName }),
          rejectUnauthorized: x.tls?.verify ?? false,
          ...(x.tls?.ca === undefined ? {} : { ca: x.tls.ca }),
          ALPNProtocols: ['http/1.1'],
        })
      : new Socket().connect({ host: address, port });
    sockets.push(socket);
    socket.once('connect', () => (progress.tcp = true));
    const ready = x.connectTo.scheme === 'https' ? 'secureConnect' : 'connect';
    const onError = (err: Error): void => {
      socket.off(ready, onReady);
      callback(err, null);
    };
    const onReady = (): void => {
      socket.off('error', onError);
      progress.connected = true;
      callback(null, socket);
    };
    socket.once(ready, onReady);
    socket.once('error', onError);
  };
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

async function readCapped(body: AsyncIterable<unknown>, progress: Progress): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let truncated = false;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    chunks.push(buf);
    progress.bytes += buf.length;
    if (progress.bytes >= BODY_CAP_BYTES) {
      truncated = true;
      break; // leaving the loop destroys the body stream, and with it the connection
    }
  }
  const all = Buffer.concat(chunks);
  return { text: all.subarray(0, BODY_CAP_BYTES).toString('utf8'), truncated };
}

function phase(p: Progress): string {
  if (!p.tcp) return 'while connecting';
  if (!p.connected) return 'during the TLS handshake';
  if (!p.headers) return 'while waiting for the response';
  return `while reading the body (${p.bytes} bytes read)`;
}

/** The start of the body, JSON-quoted so that the detail stays one line. */
function excerpt(text: string): string {
  return text.length <= EXCERPT_CHARS ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, EXCERPT_CHARS))}...`;
}
