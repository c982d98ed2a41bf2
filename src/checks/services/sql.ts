/**
 * service=mysql, pgsql and oracle: log in as `login` (with `passwd`, to `database`), run the SQL
 * in `request` (minus its leading `/`) once, and pass when it returns (or changes) at least one
 * row. ldirectord runs the query twice and has no timeout at all (reference §7 item 11); here
 * the deadline bounds the connect, the login and the query alike.
 */
import { hostPort } from '../../util/ip.js';
import { startCheckTimer } from '../check-timer.js';
import type { CheckSpecOf, Checker } from '../types.js';
import { runMysql } from './sql-mysql.js';
import { runOracle } from './sql-oracle.js';
import type { SqlRunner } from './sql-outcome.js';
import { runPgsql } from './sql-pgsql.js';

type Spec = CheckSpecOf<'service'>;

/** Long queries are cut in details, which are one line in a log (characters). */
const SHOWN_QUERY_CHARS = 80;

function sqlCheck(name: 'mysql' | 'pgsql' | 'oracle', databaseWord: string, run: SqlRunner<Spec>): Checker<Spec> {
  return async (spec, signal) => {
    const timer = startCheckTimer();
    const database = spec.database === '' ? '' : ` ${databaseWord} ${JSON.stringify(spec.database)}`;
    const label = `${name} ${hostPort(spec.target.address, spec.target.port)} user ${JSON.stringify(spec.login)}${database}`;
    const query = spec.request.replace(/^\//, '');
    if (spec.login === '' || query.trim() === '') {
      return timer.down('error', `${label}: login and request (the SQL query) must both be set`);
    }
    const outcome = await run(spec, query, signal);
    if (!outcome.ok) return timer.down(outcome.reason, `${label}: ${outcome.phase}: ${outcome.text}`);
    const shown = JSON.stringify(query.length > SHOWN_QUERY_CHARS ? `${query.slice(0, SHOWN_QUERY_CHARS)}...` : query);
    const rows = `${outcome.rows} row${outcome.rows === 1 ? '' : 's'}`;
    if (outcome.rows > 0) return timer.up(`${label}: ${shown} ${outcome.counted} ${rows}`);
    return timer.down('body-mismatch', `${label}: ${shown} ${outcome.counted} no rows`);
  };
}

/** service=mysql (MySQL and MariaDB). */
export const mysqlCheck: Checker<Spec> = sqlCheck('mysql', 'database', runMysql);

/** service=pgsql (PostgreSQL). */
export const pgsqlCheck: Checker<Spec> = sqlCheck('pgsql', 'database', runPgsql);

/** service=oracle; `database` is the SID, as in ldirectord's DSN. */
export const oracleCheck: Checker<Spec> = sqlCheck('oracle', 'sid', runOracle);
