import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mysqlCheck, oracleCheck, pgsqlCheck } from '../../../src/checks/services/sql.js';
import type { CheckSpecOf, Checker } from '../../../src/checks/types.js';
import { startMariaDb, type MariaDb } from '../../helpers/daemons/mariadb.js';
import { startPostgreSql, type PostgreSql } from '../../helpers/daemons/postgresql.js';
import { LOOPBACKS, hostPort, startTcpServer, startUnacceptingListener, testCerts, type LoopbackHost, type TestServer } from '../../helpers/servers.js';
import { settles, targetOf, within } from '../support.js';

type Spec = CheckSpecOf<'service'>;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

function spec(service: 'mysql' | 'pgsql' | 'oracle', host: LoopbackHost, port: number, more: Partial<Spec> = {}): Spec {
  return {
    kind: 'service', service, target: targetOf(host, port), protocol: 'tcp', request: '/SELECT n FROM ready', receive: '',
    login: 'checker', passwd: 'sesame', database: 'app', secret: '', ...more,
  };
}

async function serveTcp(host: LoopbackHost, onConnection: (socket: Socket) => void): Promise<TestServer> {
  const server = await startTcpServer(host, onConnection);
  cleanups.push(() => server.close());
  return server;
}

/** Refused, a server that accepts and says nothing, and a connect that never completes: the same for every SQL service. */
function failuresWithoutAServer(service: 'mysql' | 'pgsql' | 'oracle', check: Checker<Spec>, database = 'app'): void {
  describe.each(LOOPBACKS)(`${service} check on %s when no database answers`, (host) => {
    const label = (port: number): string => `${service} ${hostPort(host, port)} user "checker" ${service === 'oracle' ? 'sid' : 'database'} "${database}"`;

    it('fails with refused when nothing listens', async () => {
      const server = await startTcpServer(host, () => undefined);
      await server.close();
      const r = await within(2000, (sig) => check(spec(service, host, server.port, { database }), sig));
      expect(r).toMatchObject({ ok: false, reason: 'refused', detail: `${label(server.port)}: connect: connection refused` });
    });

    it('times out in the login on a server that accepts and says nothing, and closes the connection', async () => {
      const server = await serveTcp(host, (socket) => socket.resume());
      const r = await within(300, (sig) => check(spec(service, host, server.port, { database }), sig));
      expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `${label(server.port)}: login: deadline of 300 ms exceeded` });
      expect(server.connections).toHaveLength(1);
      expect(await settles(server.allClosed(), 2000)).toBe(true);
    });

    it('times out in the connect when the connection is never accepted', async () => {
      const listener = await startUnacceptingListener(host);
      cleanups.push(() => listener.close());
      const r = await within(300, (sig) => check(spec(service, host, listener.port, { database }), sig));
      expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `${label(listener.port)}: connect: deadline of 300 ms exceeded` });
    });

    it('fails with error, connecting nowhere, without a login or a query', async () => {
      const noLogin = await within(1000, (sig) => check(spec(service, host, 9, { database, login: '' }), sig));
      expect(noLogin).toMatchObject({ ok: false, reason: 'error' });
      expect(noLogin.detail).toMatch(/: login and request \(the SQL query\) must both be set$/);
      const noQuery = await within(1000, (sig) => check(spec(service, host, 9, { database, request: '/' }), sig));
      expect(noQuery).toMatchObject({ ok: false, reason: 'error', detail: `${label(9)}: login and request (the SQL query) must both be set` });
    });
  });
}

describe('mysql check against mariadb', () => {
  let db: MariaDb;
  beforeAll(async () => {
    db = await startMariaDb(`
      CREATE USER 'checker'@'%' IDENTIFIED BY 'sesame';
      CREATE DATABASE app;
      CREATE TABLE app.ready (n INT);
      INSERT INTO app.ready VALUES (1), (2);
      CREATE TABLE app.empty (n INT);
      CREATE TABLE app.hits (host VARCHAR(64));
      GRANT ALL ON app.* TO 'checker'@'%';
    `);
  }, 60_000);
  afterAll(async () => {
    await db?.stop();
  });

  describe.each(LOOPBACKS)('on %s', (host) => {
    const label = (): string => `mysql ${hostPort(host, db.port)} user "checker" database "app"`;

    it('passes when the query returns rows', async () => {
      const r = await within(5000, (sig) => mysqlCheck(spec('mysql', host, db.port), sig));
      expect(r).toMatchObject({ ok: true, detail: `${label()}: "SELECT n FROM ready" returned 2 rows` });
    });

    it('fails with body-mismatch when the query returns no rows', async () => {
      const r = await within(5000, (sig) => mysqlCheck(spec('mysql', host, db.port, { request: '/SELECT n FROM empty' }), sig));
      expect(r).toMatchObject({ ok: false, reason: 'body-mismatch', detail: `${label()}: "SELECT n FROM empty" returned no rows` });
    });

    it('runs the query once (ldirectord runs it twice)', async () => {
      const insert = `/INSERT INTO hits VALUES ('${host}')`;
      const r = await within(5000, (sig) => mysqlCheck(spec('mysql', host, db.port, { request: insert }), sig));
      expect(r).toMatchObject({ ok: true, detail: `${label()}: "INSERT INTO hits VALUES ('${host}')" affected 1 row` });
      const count = await within(5000, (sig) => mysqlCheck(spec('mysql', host, db.port, { request: `SELECT * FROM hits WHERE host = '${host}'` }), sig));
      expect(count).toMatchObject({ ok: true, detail: `${label()}: "SELECT * FROM hits WHERE host = '${host}'" returned 1 row` });
    });

    it('fails with auth on a wrong password', async () => {
      const r = await within(5000, (sig) => mysqlCheck(spec('mysql', host, db.port, { passwd: 'open-barley' }), sig));
      expect(r).toMatchObject({
        ok: false,
        reason: 'auth',
        detail: `${label()}: login: Access denied for user 'checker'@'${host}' (using password: YES) (ER_ACCESS_DENIED_ERROR)`,
      });
    });

    it('fails with bad-status when the query fails', async () => {
      const r = await within(5000, (sig) => mysqlCheck(spec('mysql', host, db.port, { request: '/SELECT n FROM nowhere' }), sig));
      expect(r).toMatchObject({ ok: false, reason: 'bad-status', detail: `${label()}: query: Table 'app.nowhere' doesn't exist (ER_NO_SUCH_TABLE)` });
    });

    it('times out in the query when it outlasts the deadline', async () => {
      const r = await within(500, (sig) => mysqlCheck(spec('mysql', host, db.port, { request: '/SELECT SLEEP(5)' }), sig));
      expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `${label()}: query: deadline of 500 ms exceeded` });
    });
  });
});

failuresWithoutAServer('mysql', mysqlCheck);

describe('pgsql check against postgresql', () => {
  let db: PostgreSql;
  beforeAll(async () => {
    const certs = await testCerts();
    db = await startPostgreSql({
      setup: [
        { database: 'postgres', sql: "CREATE ROLE checker LOGIN PASSWORD 'sesame'; CREATE ROLE secure LOGIN PASSWORD 'sesame'" },
        { database: 'postgres', sql: 'CREATE DATABASE app OWNER checker' },
        { database: 'app', sql: 'CREATE TABLE ready (n int); INSERT INTO ready VALUES (1), (2); CREATE TABLE empty (n int); CREATE TABLE hits (host text); ALTER TABLE ready OWNER TO checker; ALTER TABLE empty OWNER TO checker; ALTER TABLE hits OWNER TO checker; GRANT SELECT ON ready TO secure' },
      ],
      tls: certs.selfSigned,
      // `secure` may log in over TLS only; `plainonly` is turned away whatever the transport.
      hba: ['hostnossl all secure 127.0.0.1/32 reject', 'hostnossl all secure ::1/128 reject', 'host all plainonly 127.0.0.1/32 reject', 'host all plainonly ::1/128 reject'],
    });
  }, 60_000);
  afterAll(async () => {
    await db?.stop();
    (await testCerts()).dispose();
  });

  describe.each(LOOPBACKS)('on %s', (host) => {
    const label = (database = 'app'): string => `pgsql ${hostPort(host, db.port)} user "checker" database "${database}"`;

    it('passes when the query returns rows', async () => {
      const r = await within(5000, (sig) => pgsqlCheck(spec('pgsql', host, db.port), sig));
      expect(r).toMatchObject({ ok: true, detail: `${label()}: "SELECT n FROM ready" returned 2 rows` });
    });

    it('fails with body-mismatch when the query returns no rows', async () => {
      const r = await within(5000, (sig) => pgsqlCheck(spec('pgsql', host, db.port, { request: '/SELECT n FROM empty' }), sig));
      expect(r).toMatchObject({ ok: false, reason: 'body-mismatch', detail: `${label()}: "SELECT n FROM empty" returned no rows` });
    });

    it('runs the query once (ldirectord runs it twice)', async () => {
      const r = await within(5000, (sig) => pgsqlCheck(spec('pgsql', host, db.port, { request: `INSERT INTO hits VALUES ('${host}')` }), sig));
      expect(r).toMatchObject({ ok: true, detail: `${label()}: "INSERT INTO hits VALUES ('${host}')" affected 1 row` });
      const count = await within(5000, (sig) => pgsqlCheck(spec('pgsql', host, db.port, { request: `SELECT * FROM hits WHERE host = '${host}'` }), sig));
      expect(count).toMatchObject({ ok: true, detail: `${label()}: "SELECT * FROM hits WHERE host = '${host}'" returned 1 row` });
    });

    it('fails with auth on a wrong password', async () => {
      const r = await within(5000, (sig) => pgsqlCheck(spec('pgsql', host, db.port, { passwd: 'open-barley' }), sig));
      expect(r).toMatchObject({ ok: false, reason: 'auth', detail: `${label()}: login: password authentication failed for user "checker" (28P01)` });
    });

    it('logs in over TLS when pg_hba.conf turns a plain login away (as libpq prefers TLS)', async () => {
      const r = await within(5000, (sig) => pgsqlCheck(spec('pgsql', host, db.port, { login: 'secure' }), sig));
      expect(r).toMatchObject({ ok: true, detail: `pgsql ${hostPort(host, db.port)} user "secure" database "app": "SELECT n FROM ready" returned 2 rows` });
    });

    it('fails with auth, quoting both answers, when pg_hba.conf turns the login away over TLS too', async () => {
      const r = await within(5000, (sig) => pgsqlCheck(spec('pgsql', host, db.port, { login: 'plainonly' }), sig));
      const rejected = (tls: string): string => `pg_hba.conf rejects connection for host "${host}", user "plainonly", database "app", ${tls} (28000)`;
      expect(r).toMatchObject({
        ok: false,
        reason: 'auth',
        detail: `pgsql ${hostPort(host, db.port)} user "plainonly" database "app": login: ${rejected('no encryption')}; over TLS: ${rejected('SSL encryption')}`,
      });
    });

    it('fails with bad-status in the login when the database does not exist', async () => {
      const r = await within(5000, (sig) => pgsqlCheck(spec('pgsql', host, db.port, { database: 'nowhere' }), sig));
      expect(r).toMatchObject({ ok: false, reason: 'bad-status', detail: `${label('nowhere')}: login: database "nowhere" does not exist (3D000)` });
    });

    it('fails with bad-status when the query fails', async () => {
      const r = await within(5000, (sig) => pgsqlCheck(spec('pgsql', host, db.port, { request: '/SELECT n FROM nowhere' }), sig));
      expect(r).toMatchObject({ ok: false, reason: 'bad-status', detail: `${label()}: query: relation "nowhere" does not exist (42P01)` });
    });

    it('times out in the query when it outlasts the deadline', async () => {
      const r = await within(500, (sig) => pgsqlCheck(spec('pgsql', host, db.port, { request: '/SELECT pg_sleep(5)' }), sig));
      expect(r).toMatchObject({ ok: false, reason: 'timeout', detail: `${label()}: query: deadline of 500 ms exceeded` });
    });
  });
});

failuresWithoutAServer('pgsql', pgsqlCheck);

/**
 * A TNS REFUSE packet (NS packet type 4) carrying `(DESCRIPTION=(ERR=<err>))`, as an Oracle
 * listener sends for a CONNECT it will not serve (ORA-12505: SID unknown).
 */
function tnsRefuse(err: number): Buffer {
  const text = Buffer.from(`(DESCRIPTION=(TMP=)(VSNNUM=0)(ERR=${err})(ERROR_STACK=(ERROR=(CODE=${err})(EMFI=4))))`, 'ascii');
  const header = Buffer.alloc(12);
  header.writeUInt16BE(12 + text.length, 0);
  header.writeUInt8(4, 4);
  header.writeUInt8(1, 8);
  header.writeUInt8(0, 9);
  header.writeUInt16BE(text.length, 10);
  return Buffer.concat([header, text]);
}

/** TCP handles of this process, once the count has held still for 100 ms (earlier tests' sockets finish closing). */
async function quietTcpHandles(): Promise<number> {
  const count = (): number => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
  let last = count();
  for (let still = 0, rounds = 0; still < 5 && rounds < 100; rounds++) {
    await new Promise((res) => setTimeout(res, 20));
    const now = count();
    still = now === last ? still + 1 : 0;
    last = now;
  }
  return last;
}

// No Oracle server can run here (none is packaged for Debian), so the oracle check is tested up
// to the listener: the cases above without a server, and a stand-in that refuses like one.
failuresWithoutAServer('oracle', oracleCheck, 'ORCL');

describe.each(LOOPBACKS)('oracle check on %s against a TNS listener stand-in', (host) => {
  it('fails with bad-status when the listener refuses the SID (stand-in listener answering REFUSE, ORA-12505)', async () => {
    const server = await serveTcp(host, (socket) => socket.once('data', () => socket.end(tnsRefuse(12505))));
    const r = await within(3000, (sig) => oracleCheck(spec('oracle', host, server.port, { database: 'ORCL' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'bad-status' });
    expect(r.detail).toMatch(new RegExp(`^oracle ${hostPort(host, server.port).replace(/[[\]]/g, '\\$&')} user "checker" sid "ORCL": login: NJS-519: cannot connect to Oracle Database\\. SID "ORCL" is not registered with the listener`));
  });

  it('leaves no listener or socket behind when the deadline cuts the login (stand-in that accepts and says nothing)', async () => {
    const before = await quietTcpHandles();
    const server = await serveTcp(host, (socket) => socket.resume());
    const r = await within(300, (sig) => oracleCheck(spec('oracle', host, server.port, { database: 'ORCL' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'timeout' });
    expect(await settles(server.allClosed(), 2000)).toBe(true);
    await Promise.all(cleanups.splice(0).map((c) => c()));
    // The relay, our socket to the real and the library's socket to the relay are all gone.
    expect(await quietTcpHandles()).toBe(before);
  });

  it('fails with error, connecting nowhere, without an SID', async () => {
    const r = await within(1000, (sig) => oracleCheck(spec('oracle', host, 9, { database: '' }), sig));
    expect(r).toMatchObject({ ok: false, reason: 'error', detail: `oracle ${hostPort(host, 9)} user "checker": connect: no SID (set database=)` });
  });
});
