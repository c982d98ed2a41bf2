/**
 * The oracle driver for service=oracle (node-oracledb in thin mode, pure JavaScript): DBI's
 * `dbi:Oracle:sid=<database>;host=<real>;port=<port>` as a connect descriptor, through a
 * loopback relay that the deadline can cut (see sql-oracle-relay.ts).
 */
import type { Socket } from 'node:net';
import { openTcp } from '../open-tcp.js';
import type { CheckSpecOf } from '../types.js';
import { relayTo, type OracleRelay } from './sql-oracle-relay.js';
import { raceAbort, sqlConnectError, sqlDeadline, sqlError, type SqlOutcome, type SqlPhase, type SqlRunner } from './sql-outcome.js';

/** ORA-01017 invalid username/password; ORA-28000 account locked; ORA-01045 no CREATE SESSION. */
const AUTH_CODES: ReadonlySet<string> = new Set(['ORA-01017', 'ORA-28000', 'ORA-01045']);

/** An SID is a plain name; anything else could break out of the descriptor. */
const SID = /^[A-Za-z0-9_$#.-]+$/;

/** Logs in as `login` to SID `database` and runs `query`, fetching at most one row (as ldirectord does). */
export const runOracle: SqlRunner<CheckSpecOf<'service'>> = async (spec, query, signal) => {
  if (!SID.test(spec.database)) {
    const what = spec.database === '' ? 'no SID (set database=)' : `SID ${JSON.stringify(spec.database)} is not a plain name`;
    return { ok: false, phase: 'connect', reason: 'error', text: what };
  }
  const { default: oracledb } = await import('oracledb');
  let upstream: Socket;
  try {
    upstream = await openTcp(spec.target, signal);
  } catch (err) {
    return sqlConnectError(err, signal);
  }
  let relay: OracleRelay;
  try {
    relay = await relayTo(upstream);
  } catch (err) {
    return { ok: false, phase: 'connect', reason: 'error', text: `cannot listen for the relay on 127.0.0.1: ${(err as Error).message}` };
  }
  try {
    const connectString = `(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=127.0.0.1)(PORT=${relay.port}))(CONNECT_DATA=(SID=${spec.database})))`;
    const login = await raceAbort(oracledb.getConnection({ user: spec.login, password: spec.passwd, connectString }), signal, relay.close);
    if (login.kind !== 'value') return login.kind === 'aborted' ? sqlDeadline('login', signal) : oracleError('login', login.error);
    const connection = login.value;
    const ran = await raceAbort(connection.execute(query, [], { maxRows: 1 }), signal, relay.close);
    // Log off politely unless the deadline has already cut the connection.
    if (ran.kind !== 'aborted') await raceAbort(connection.close(), signal, relay.close);
    else connection.close().catch(() => undefined);
    if (ran.kind !== 'value') return ran.kind === 'aborted' ? sqlDeadline('query', signal) : oracleError('query', ran.error);
    const { rows, rowsAffected } = ran.value;
    return rows === undefined ? { ok: true, rows: rowsAffected ?? 0, counted: 'affected' } : { ok: true, rows: rows.length, counted: 'returned' };
  } finally {
    relay.close();
  }
};

function oracleError(phase: SqlPhase, err: unknown): SqlOutcome {
  const message = err instanceof Error ? err.message : String(err);
  const code = /^(ORA-\d{5}|NJS-\d{3})/.exec(message)?.[1];
  // NJS-500/501: the connection broke (the real hung up); NJS-503: nothing answered behind the relay.
  if (code === 'NJS-500' || code === 'NJS-501') return { ok: false, phase, reason: 'reset', text: message.replace(/\s+/g, ' ') };
  return sqlError(phase, code === undefined ? err : { code, message }, AUTH_CODES);
}
