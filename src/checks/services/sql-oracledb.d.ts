/**
 * The few parts of node-oracledb (thin mode) that the oracle check uses; the package ships no
 * type declarations.
 */
declare module 'oracledb' {
  interface ConnectionAttributes {
    user: string;
    password: string;
    connectString: string;
  }
  interface ExecuteOptions {
    maxRows?: number;
  }
  interface Result {
    rows?: unknown[];
    rowsAffected?: number;
  }
  interface Connection {
    execute(sql: string, binds: unknown[], options: ExecuteOptions): Promise<Result>;
    close(): Promise<void>;
  }
  interface OracleDb {
    getConnection(attributes: ConnectionAttributes): Promise<Connection>;
  }
  const oracledb: OracleDb;
  export default oracledb;
}
