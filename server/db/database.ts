/**
 * The one database interface the server uses. Two implementations run the same
 * SQL: PGlite (embedded, the default: nothing to install) and PostgreSQL (`pg`,
 * for shared deployments). Parameters are PostgreSQL's `$1, $2…`.
 */
export type Row = Record<string, unknown>;

export interface Queryable {
  /** One statement with parameters; resolves to its rows (empty for statements without rows). */
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Several statements without parameters (a migration's script). */
  execute(script: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
