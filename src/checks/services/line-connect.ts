/**
 * The connection a service check talks over: TCP to the check port, then TLS from the first byte
 * for the services that need it (pops, imaps, ldaps). Every failure becomes a LineFailure worded
 * as the other checkers word it; a deadline rejects with the signal's reason, and whatever was
 * half-open is destroyed.
 */
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { describeNetError } from '../net-error.js';
import { openTcp } from '../open-tcp.js';
import type { CheckTarget, TlsCheckOptions } from '../types.js';
import { LineFailure } from './line-failure.js';

/** Where a dialog is; a deadline's detail ends with it (`while connecting`, `waiting for the greeting`). */
export interface DialogPhase {
  text: string;
}

/** Connects to `target` (and handshakes when `tls` is given); the caller owns and destroys the socket. */
export async function connectLine(target: CheckTarget, tls: TlsCheckOptions | undefined, signal: AbortSignal, phase: DialogPhase): Promise<Socket> {
  // Read before connecting: a socket left without listeners across an await could die unheard.
  const ca = tls?.caFile === undefined ? undefined : await readCa(tls.caFile);
  phase.text = 'while connecting';
  let tcp: Socket;
  try {
    tcp = await openTcp(target, signal);
  } catch (err) {
    if (signal.aborted) throw err;
    const f = describeNetError(err);
    throw new LineFailure(f.reason, `connect: ${f.text}`);
  }
  if (tls === undefined) return tcp;
  phase.text = 'during the TLS handshake';
  try {
    return await handshake(tcp, target, tls, ca, signal);
  } catch (err) {
    tcp.destroy();
    if (signal.aborted || err instanceof LineFailure) throw err;
    const f = describeNetError(err);
    // Whatever breaks a handshake (a reset from a server that does not speak TLS, say) is a TLS failure.
    throw new LineFailure('tls', f.reason === 'tls' ? f.text : `TLS handshake failed: ${f.text}`);
  }
}

async function readCa(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new LineFailure('tls', `cannot read CA file ${file}: ${(err as Error).message}`);
  }
}

function handshake(tcp: Socket, target: CheckTarget, tls: TlsCheckOptions, ca: Buffer | undefined, signal: AbortSignal): Promise<TLSSocket> {
  return new Promise<TLSSocket>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const socket = tlsConnect({
      socket: tcp,
      // The host is what the certificate is checked against when no server name is given.
      host: target.address,
      // Node sends SNI only when servername is given, and never for an IP literal.
      ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
      rejectUnauthorized: tls.verify,
      ...(ca === undefined ? {} : { ca }),
    });
    const cleanup = (): void => {
      signal.removeEventListener('abort', onAbort);
      socket.off('secureConnect', onReady);
      socket.off('error', onError);
    };
    const onReady = (): void => {
      cleanup();
      resolve(socket);
    };
    const onError = (err: Error): void => {
      cleanup();
      socket.on('error', () => undefined).destroy();
      reject(err);
    };
    const onAbort = (): void => {
      cleanup();
      socket.on('error', () => undefined).destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', onReady);
    socket.once('error', onError);
  });
}
