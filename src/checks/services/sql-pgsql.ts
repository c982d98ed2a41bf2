/**
 * The pgsql driver for service=pgsql (pg): the library connects a socket that we create, so
 * that the deadline can always destroy it, whatever the library is waiting for.
 */
import { Socket } from 'node:net';
import type { QueryResult } from 'pg';
import type { CheckSpecOf } from '../types.js';
import { raceAbort, sqlDeadline, sqlError, type SqlOutcome, type SqlPhase, type SqlRunner } from './sql-outcome.js';

/** invalid_authorization_specification, invalid_password (SQLSTATE class 28). */
const AUTH_CODES: ReadonlySet<string> = new Set(['28000', '28P01']);

/** A login refused by pg_hba.conf: perhaps a `hostssl`-only rule, which a TLS login would meet. */
const HBA_REJECT = '28000';

/**
 * Logs in as `login` to `database` (libpq's default, the user's name, when empty) and runs `query`.
 * libpq (under DBD::Pg) prefers TLS when the server offers it; here a plain login comes first
 * and TLS (unverified, as libpq's `prefer`) is tried only when pg_hba.conf turns the plain one away.
 */
export const runPgsql: SqlRunner<CheckSpecOf<'service'>> = async (spec, query, signal) => {
  const plain = await attempt(spec, query, signal, false);
  if (plain.ok || plain.phase !== 'login' || plain.code !== HBA_REJECT || signal.aborted) return plain;
  const tls = await attempt(spec, query, signal, true);
  if (tls.ok || tls.phase !== 'login') return tls;
  return { ...plain, text: `${plain.text}; over TLS: ${tls.text}` };
};

async function attempt(spec: CheckSpecOf<'service'>, query: string, signal: AbortSignal, tls: boolean): Promise<SqlOutcome & { code?: string }> {
  const { default: pg } = await import('pg');
  if (signal.aborted) return sqlDeadline('connect', signal);
  const socket = new Socket();
  let connected = false;
  socket.once('connect', () => (connected = true));
  const client = new pg.Client({
    host: spec.target.address,
    port: spec.target.port,
    user: spec.login,
    password: spec.passwd,
    ...(spec.database === '' ? {} : { database: spec.database }),
    stream: () => socket,
    ssl: tls ? { rejectUnauthorized: false } : false,
    application_name: 'ldirectord-ng',
  });
  // Errors also reach the promises below; without a listener a late one would be thrown.
  client.on('error', () => undefined);
  // With TLS the library wraps this socket, so destroying it ends the TLS one too.
  const destroy = (): void => void socket.destroy();
  const phase = (): SqlPhase => (connected ? 'login' : 'connect');
  const login = await raceAbort(client.connect(), signal, destroy);
  if (login.kind !== 'value') {
    destroy();
    if (login.kind === 'aborted') return sqlDeadline(phase(), signal);
    const code = (login.error as { code?: unknown }).code;
    return { ...pgError(phase(), login.error), ...(typeof code === 'string' ? { code } : {}) };
  }
  const ran = await raceAbort(client.query(query) as Promise<QueryResult | QueryResult[]>, signal, destroy);
  if (ran.kind !== 'value') {
    destroy();
    return ran.kind === 'aborted' ? sqlDeadline('query', signal) : pgError('query', ran.error);
  }
  // Terminate, so the server does not log an unexpected EOF; the socket is gone when this is done.
  await raceAbort(client.end(), signal, destroy);
  destroy();
  // Several statements in one request give one result each; the last one decides, as in psql.
  const result = Array.isArray(ran.value) ? ran.value.at(-1) : ran.value;
  const rows = result?.rowCount ?? 0;
  return { ok: true, rows, counted: result?.command === 'SELECT' ? 'returned' : 'affected' };
}

function pgError(phase: SqlPhase, err: unknown): SqlOutcome {
  const message = err instanceof Error ? err.message : String(err);
  // pg reports a server that hangs up with this message and no code.
  if (/Connection terminated/i.test(message)) return { ok: false, phase, reason: 'reset', text: 'connection closed by the server' };
  return sqlError(phase, err, AUTH_CODES);
}
