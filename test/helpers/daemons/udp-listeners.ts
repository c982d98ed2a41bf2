/**
 * UDP ends for the failure cases of the datagram services (dns, radius, sip): a socket that reads
 * every datagram and never answers, and a port where nothing listens.
 */
import { createSocket } from 'node:dgram';
import type { LoopbackHost } from '../servers.js';

export interface SilentUdp {
  readonly port: number;
  /** Datagrams received so far. */
  readonly received: Buffer[];
  close(): Promise<void>;
}

/** A UDP socket on `host`:0 that swallows everything. */
export function startSilentUdp(host: LoopbackHost): Promise<SilentUdp> {
  const socket = createSocket(host === '::1' ? 'udp6' : 'udp4');
  const received: Buffer[] = [];
  socket.on('message', (d) => received.push(d));
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => {
      resolve({
        port: socket.address().port,
        received,
        close: () => new Promise<void>((r) => socket.close(() => r())),
      });
    });
  });
}

/** A UDP port on `host` that was just bound and released, so datagrams to it draw ICMP port unreachable. */
export async function closedUdpPort(host: LoopbackHost): Promise<number> {
  const silent = await startSilentUdp(host);
  await silent.close();
  return silent.port;
}
