/**
 * node-oracledb opens its own socket and offers no way to abort a connect or a login in flight,
 * so the oracle check hands it a loopback relay instead of the real: one connection of ours to
 * the real, piped to the first connection accepted on 127.0.0.1:0. Closing the relay at the
 * deadline breaks the library's connection wherever it is, and nothing outlives the check.
 */
import { createServer, type Socket } from 'node:net';

export interface OracleRelay {
  /** The loopback port to give the library instead of the real's. */
  readonly port: number;
  /** Destroys both connections and stops listening; safe to call more than once. */
  close(): void;
}

/** Listens on 127.0.0.1:0 and joins the first connection it accepts to `upstream` (already connected to the real). */
export function relayTo(upstream: Socket): Promise<OracleRelay> {
  return new Promise((resolve, reject) => {
    let client: Socket | undefined;
    const server = createServer({ pauseOnConnect: true }, (accepted) => {
      if (client !== undefined) {
        accepted.destroy();
        return;
      }
      client = accepted;
      // One connection is all the library makes; nobody else gets in.
      server.close();
      accepted.on('error', () => accepted.destroy());
      accepted.pipe(upstream);
      upstream.pipe(accepted);
      accepted.resume();
    });
    upstream.on('error', () => upstream.destroy());
    // Either side closing ends the other, so the library sees the real hang up and vice versa.
    upstream.on('close', () => client?.destroy());
    const close = (): void => {
      server.close();
      client?.destroy();
      upstream.destroy();
    };
    server.once('error', (err) => {
      close();
      reject(err);
    });
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ port: typeof address === 'object' && address !== null ? address.port : 0, close });
    });
  });
}
