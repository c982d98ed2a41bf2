/**
 * The mysql driver for service=mysql (mysql2): our own TCP connection, handed to the library, so
 * that the deadline can always destroy it, whatever the library is waiting for.
 */
import type { Socket } from 'node:net';
import type { Connection, ResultSetHeader } from 'mysql2';
import { openTcp } from '../open-tcp.js';
import type { CheckSpecOf } from '../types.js';
import { raceAbort, sqlConnectError, sqlDeadline, sqlError, type SqlOutcome, type SqlPhase, type SqlRunner } from './sql-outcome.js';

/** Access denied: to the server, or to the database (MySQL error codes 1045, 1044). */
const AUTH_CODES: ReadonlySet<string> = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR']);

/** Logs in as `login` to `database` (none when empty, as DBI's `database=`) and runs `query`. */
export const runMysql: SqlRunner<CheckSpecOf<'service'>> = async (spec, query, signal) => {
  const { default: mysql } = await import('mysql2');
  let socket: Socket;
  try {
    socket = await openTcp(spec.target, signal);
  } catch (err) {
    return sqlConnectError(err, signal);
  }
  const connection = mysql.createConnection({
    stream: socket,
    user: spec.login,
    password: spec.passwd,
    ...(spec.database === '' ? {} : { database: spec.database }),
    // The deadline is the only timeout (mysql2 would give up connecting after 10 s of its own).
    connectTimeout: 0,
  });
  // Errors also reach the callbacks below; without a listener a late one would be thrown.
  connection.on('error', () => undefined);
  const db = connection.promise();
  const destroy = (): void => {
    connection.destroy();
    socket.destroy();
  };
  const login = await raceAbort(db.connect(), signal, destroy);
  if (login.kind !== 'value') {
    destroy();
    return login.kind === 'aborted' ? sqlDeadline('login', signal) : mysqlError('login', login.error);
  }
  const ran = await raceAbort(db.query(query), signal, destroy);
  if (ran.kind !== 'value') {
    destroy();
    return ran.kind === 'aborted' ? sqlDeadline('query', signal) : mysqlError('query', ran.error);
  }
  await goodbye(connection, socket, signal);
  const [rows] = ran.value;
  if (Array.isArray(rows)) return { ok: true, rows: rows.length, counted: 'returned' };
  return { ok: true, rows: (rows as ResultSetHeader).affectedRows, counted: 'affected' };
};

function mysqlError(phase: SqlPhase, err: unknown): SqlOutcome {
  const code = (err as { code?: unknown }).code;
  if (code === 'PROTOCOL_CONNECTION_LOST') return { ok: false, phase, reason: 'reset', text: 'connection closed by the server' };
  if (typeof code === 'string' && code.startsWith('PROTOCOL_')) return { ok: false, phase, reason: 'protocol', text: err instanceof Error ? err.message : String(err) };
  return sqlError(phase, err, AUTH_CODES);
}

/** COM_QUIT, so the server does not log an aborted connection; the socket is gone when this resolves. */
async function goodbye(connection: Connection, socket: Socket, signal: AbortSignal): Promise<void> {
  const closed = socket.destroyed ? Promise.resolve() : new Promise<void>((resolve) => socket.once('close', () => resolve()));
  connection.end(() => undefined);
  await raceAbort(closed, signal, () => undefined);
  socket.destroy();
}
