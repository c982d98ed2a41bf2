/**
 * Real servers for checker tests: HTTP, HTTPS and raw TCP listeners on 127.0.0.1:0 or [::1]:0
 * with scripted behaviours, a listener that never accepts (its queue full, so connects hang),
 * and test certificates made once per process with the `openssl` CLI. Every server records what
 * it saw (requests, Host, SNI) and every connection it accepted, so a test can assert that a
 * check closed its socket.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, Socket, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { hostPort } from '../../src/util/ip.js';

export type LoopbackHost = '127.0.0.1' | '::1';
/** Both loopback families; tests iterate over these. */
export const LOOPBACKS: readonly LoopbackHost[] = ['127.0.0.1', '::1'];

/** `127.0.0.1:8080` or `[::1]:8080`. */
export { hostPort };

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly host: string | undefined;
  /** The SNI the client sent; false when it sent none (https only). */
  readonly sni: string | false | undefined;
  readonly headers: IncomingMessage['headers'];
}

/** One accepted connection, as the server saw it. */
export interface SeenConnection {
  readonly socket: Socket;
  /** True once the server side of the socket has closed. */
  closed: boolean;
  /** Resolves when the server side of the socket has closed. */
  readonly whenClosed: Promise<void>;
  /** Bytes the server had written when the socket closed (or so far). */
  bytesWritten: number;
}

export interface TestServer {
  readonly host: LoopbackHost;
  readonly port: number;
  /** `http://127.0.0.1:port/path` (or https, or `[::1]`). */
  url(path?: string): string;
  readonly requests: SeenRequest[];
  readonly connections: SeenConnection[];
  /** Resolves once every connection accepted so far has closed on the server side. */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Pem {
  readonly key: Buffer;
  readonly cert: Buffer;
}

interface Trackable {
  on(event: 'connection', fn: (s: Socket) => void): unknown;
  listen(port: number, host: string, fn: () => void): unknown;
  address(): unknown;
  close(fn: (err?: Error) => void): unknown;
  once(event: 'error', fn: (err: Error) => void): unknown;
}

async function listenTracked(server: Trackable, host: LoopbackHost, scheme: string, requests: SeenRequest[]): Promise<TestServer> {
  const connections: SeenConnection[] = [];
  server.on('connection', (socket) => {
    let resolveClosed!: () => void;
    const whenClosed = new Promise<void>((r) => (resolveClosed = r));
    const seen: SeenConnection = { socket, closed: false, whenClosed, bytesWritten: 0 };
    socket.on('error', () => undefined);
    socket.on('close', () => {
      seen.closed = true;
      seen.bytesWritten = socket.bytesWritten;
      resolveClosed();
    });
    connections.push(seen);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    host,
    port,
    url: (path = '/') => `${scheme}://${hostPort(host, port)}${path}`,
    requests,
    connections,
    allClosed: async () => {
      await Promise.all(connections.map((c) => c.whenClosed));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of connections) c.socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function recordRequests(requests: SeenRequest[], handler: HttpHandler): HttpHandler {
  return (req, res) => {
    const tlsSocket = req.socket as Partial<TLSSocket>;
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      host: req.headers.host,
      sni: 'encrypted' in req.socket ? (tlsSocket.servername ?? false) : undefined,
      headers: req.headers,
    });
    res.on('error', () => undefined);
    handler(req, res);
  };
}

/** An HTTP server (HTTPS when `tls` is given) answering every request with `handler`. */
export async function startHttpServer(host: LoopbackHost, handler: HttpHandler, tls?: Pem): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const wrapped = recordRequests(requests, handler);
  const server: HttpServer = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, wrapped) : createHttpServer(wrapped);
  server.on('clientError', (_err, socket) => socket.destroy());
  server.on('tlsClientError', (_err: Error, socket: Socket) => socket.destroy());
  return listenTracked(server, host, tls ? 'https' : 'http', requests);
}

/**
 * A raw TCP server; `onConnection` scripts what each accepted socket does. With `allowHalfOpen`
 * the server's side stays open after the client half-closes.
 */
export async function startTcpServer(host: LoopbackHost, onConnection: (socket: Socket) => void, options: { allowHalfOpen?: boolean } = {}): Promise<TestServer> {
  const server: NetServer = createNetServer({ allowHalfOpen: options.allowHalfOpen ?? false }, (socket) => onConnection(socket));
  return listenTracked(server, host, 'tcp', []);
}

// ---- scripted HTTP behaviours -------------------------------------------------------------

/** Answer with `status` and `body`. */
export function respond(status: number, body = '', headers: Record<string, string> = {}): HttpHandler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain', ...headers });
    res.end(body);
  };
}

/** Send the headers and part of the body, then reset the connection (RST). */
export function resetMidResponse(): HttpHandler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100000' });
    res.write('partial body, then the connection is reset', () => {
      setTimeout(() => res.socket?.resetAndDestroy(), 20);
    });
  };
}

/** Accept the request and never answer. */
export function hang(): HttpHandler {
  return () => undefined;
}

/** Headers at once, then one byte of body per second. */
export function trickle(): HttpHandler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
    res.write('x');
    const timer = setInterval(() => res.write('x'), 1000);
    res.on('close', () => clearInterval(timer));
  };
}

/**
 * A body of `totalBytes` (default 1 GiB) streamed with back-pressure from one reused 64 KiB
 * chunk, so it is never allocated; stops when the client goes away.
 */
export function hugeBody(totalBytes = 1024 ** 3): HttpHandler {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(totalBytes) });
    let sent = 0;
    const pump = (): void => {
      while (sent < totalBytes && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      if (sent >= totalBytes) res.end();
    };
    pump();
  };
}

// ---- listeners that misbehave below HTTP ----------------------------------------------------

/** Writes `text` to every connection and closes it (e.g. a non-HTTP banner). */
export function startGarbageServer(host: LoopbackHost, text = 'SSH-2.0-OpenSSH_9.2 not http at all\r\n\r\n'): Promise<TestServer> {
  return startTcpServer(host, (socket) => {
    socket.end(text);
  });
}

export interface UnacceptingListener {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A listener that never accepts, its accept queue already full, so a further connect gets no
 * SYN-ACK and hangs until the client gives up (reference stack.md §3). Node always accepts, so
 * the listener is a small Perl process; the queue is filled from here.
 */
export async function startUnacceptingListener(host: LoopbackHost): Promise<UnacceptingListener> {
  const v6 = host === '::1';
  const script = `
    use Socket qw(:all);
    socket(my $s, ${v6 ? 'PF_INET6' : 'PF_INET'}, SOCK_STREAM, 0) or die "socket: $!";
    bind($s, ${v6 ? "pack_sockaddr_in6(0, inet_pton(AF_INET6, '::1'))" : "pack_sockaddr_in(0, inet_aton('127.0.0.1'))"}) or die "bind: $!";
    listen($s, 0) or die "listen: $!";
    my ($port) = ${v6 ? 'unpack_sockaddr_in6' : 'unpack_sockaddr_in'}(getsockname($s));
    $| = 1; print "$port\\n";
    my $eof = <STDIN>;`;
  // The listener lives until its stdin closes, so it dies with the test process whatever happens.
  const child: ChildProcess = spawn('perl', ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`listener exited with ${code}`)));
    child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
  });
  // Connect until one connect no longer completes: from then on the queue is full. The kernel
  // keeps backlog+1 completed connections, so this takes one or two.
  const fillers: Socket[] = [];
  for (let i = 0; i < 8; i++) {
    const s = new Socket();
    s.on('error', () => undefined);
    fillers.push(s);
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 200);
      s.connect({ host, port }, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) break;
  }
  return {
    port,
    close: async () => {
      for (const s of fillers) s.destroy();
      child.removeAllListeners('exit');
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    },
  };
}

// ---- certificates ---------------------------------------------------------------------------

export interface TestCerts {
  /** Removes the temp dir; call it in afterAll (the next testCerts() makes fresh ones). */
  dispose(): void;
  readonly dir: string;
  /** PEM of the test CA. */
  readonly caFile: string;
  /** Signed by the CA; SANs www.example.com, 127.0.0.1, ::1. */
  readonly signed: Pem;
  /** Self-signed, CN=self.example.com. */
  readonly selfSigned: Pem;
}

let certs: Promise<TestCerts> | undefined;

/** Makes the test CA and certificates once per process, in a temp dir that `dispose()` removes. */
export function testCerts(): Promise<TestCerts> {
  certs ??= makeCerts();
  return certs;
}

async function makeCerts(): Promise<TestCerts> {
  const run = promisify(execFile);
  const dir = mkdtempSync(join(tmpdir(), 'ldng-certs-'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  // Test workers may be stopped without running exit handlers, so dispose() is the main path.
  process.once('exit', remove);
  const f = (name: string): string => join(dir, name);
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...key, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=ldirectord-ng test CA']);
  await run('openssl', ['req', '-new', ...key, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=www.example.com']);
  const ext = 'subjectAltName=DNS:www.example.com,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\n';
  writeFileSync(f('server.ext'), ext);
  await run('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('server.ext'), '-out', f('server.pem')]);
  await run('openssl', ['req', '-x509', ...key, '-keyout', f('self.key'), '-out', f('self.pem'), '-days', '2', '-subj', '/CN=self.example.com', '-addext', 'subjectAltName=DNS:self.example.com']);
  return {
    dispose: () => {
      remove();
      certs = undefined;
    },
    dir,
    caFile: f('ca.pem'),
    signed: { key: readFileSync(f('server.key')), cert: readFileSync(f('server.pem')) },
    selfSigned: { key: readFileSync(f('self.key')), cert: readFileSync(f('self.pem')) },
  };
}
