/**
 * Real servers for the daemon scenarios: small HTTP servers on guest loopback addresses
 * (127.0.0.x, ::1) whose behaviour a test switches while the daemon checks them. Each keeps its
 * address and port across stop and resume, so a real that "comes back" is the same real in the
 * config and the same dest in the IPVS table.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';

/**
 * How a real answers an HTTP check (the configs use `receive="OK"`):
 * `ok`: 200 with `OK`; `hang`: accepts the request and never answers (the check times out);
 * `wrong`: 200 with a body that does not match.
 */
export type RealMode = 'ok' | 'hang' | 'wrong';

export class HttpReal {
  #server: Server | undefined;
  #mode: RealMode;
  readonly #sockets = new Set<Socket>();
  /** Requests seen, over the real's whole life. */
  requests = 0;

  private constructor(
    readonly host: string,
    public port: number,
    mode: RealMode,
  ) {
    this.#mode = mode;
  }

  /** Listens on `host` (a loopback address) and `port` (0: any free one). */
  static async start(host: string, mode: RealMode = 'ok', port = 0): Promise<HttpReal> {
    const real = new HttpReal(host, port, mode);
    await real.resume(mode);
    return real;
  }

  /** `127.0.0.2:8081` or `[::1]:8081`, as config lines and ldirectord's log lines write it. */
  get hostPort(): string {
    return hostPort(this.host, this.port);
  }

  get mode(): RealMode {
    return this.#mode;
  }

  /** Changes the answer to every request from now on (connections already hanging stay so). */
  setMode(mode: RealMode): void {
    this.#mode = mode;
  }

  /** Closes the listener and every connection: from now on a connect is refused. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again, on the same address and port, answering as `mode`. */
  async resume(mode: RealMode = 'ok'): Promise<void> {
    if (this.#server) throw new Error(`${this.hostPort} is already listening`);
    this.#mode = mode;
    const server = createServer((req, res) => {
      this.requests++;
      res.on('error', () => undefined);
      switch (this.#mode) {
        case 'ok':
          res.writeHead(200, { 'content-type': 'text/plain' }).end('OK\n');
          return;
        case 'wrong':
          res.writeHead(200, { 'content-type': 'text/plain' }).end('maintenance\n');
          return;
        case 'hang':
          req.resume();
          return;
      }
    });
    server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => this.#sockets.delete(s));
    });
    server.on('clientError', (_e, s) => s.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }
}

/**
 * A port on `host` that nothing listens on (a connect is refused): bound once to find a free
 * port, then released. Stands for a real server that is down from the start.
 */
export async function deadPort(host: string): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Stops every real (for afterAll). */
export async function stopReals(reals: readonly (HttpReal | undefined)[]): Promise<void> {
  await Promise.all(reals.map((r) => r?.stop()));
}

/** `[v6]:port` or `v4:port`. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
