/**
 * Runs one line-protocol check from connect to goodbye: opens the connection (TLS when asked),
 * hands a LineSession to the service's dialog, and turns whatever happens into the CheckResult,
 * so that every service words a refused connect, a deadline or a reset the same way. The socket
 * never outlives the call.
 */
import type { Socket } from 'node:net';
import { hostPort } from '../../util/ip.js';
import { startCheckTimer } from '../check-timer.js';
import { deadlineText, describeNetError } from '../net-error.js';
import type { CheckResult, CheckTarget, TlsCheckOptions } from '../types.js';
import { connectLine, type DialogPhase } from './line-connect.js';
import { LineFailure } from './line-failure.js';
import { LineSession } from './line-session.js';

export interface LineDialogSpec {
  /** The protocol word that starts every detail: `smtp`, `pops`. */
  readonly name: string;
  readonly target: CheckTarget;
  /** TLS from the first byte; undefined for a plain connection. */
  readonly tls?: TlsCheckOptions;
}

/**
 * The dialog resolves with what proved the server healthy (the detail after the label) or throws
 * a LineFailure; anything else it throws is classified as a network error.
 */
export type LineDialog = (session: LineSession) => Promise<string>;

/** Connects, runs `dialog`, and reports `<name> <host:port>: <what happened>`. */
export async function runLineDialog(spec: LineDialogSpec, signal: AbortSignal, dialog: LineDialog): Promise<CheckResult> {
  const timer = startCheckTimer();
  const label = `${spec.name} ${hostPort(spec.target.address, spec.target.port)}`;
  const phase: DialogPhase = { text: 'before connecting' };
  let socket: Socket | undefined;
  let session: LineSession | undefined;
  try {
    socket = await connectLine(spec.target, spec.tls, signal, phase);
    session = new LineSession(socket, signal, phase);
    return timer.up(`${label}: ${await dialog(session)}`);
  } catch (err) {
    if (signal.aborted) return timer.down('timeout', `${label}: ${deadlineText(signal)} ${phase.text}`);
    if (err instanceof LineFailure) return timer.down(err.reason, `${label}: ${err.text}`);
    const f = describeNetError(err);
    return timer.down(f.reason, `${label}: ${f.text} ${phase.text}`);
  } finally {
    session?.dispose();
    socket?.on('error', () => undefined).destroy();
  }
}
