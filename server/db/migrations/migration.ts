/** One step of the server's schema, in its own numbered file; see index.ts. */
export interface Migration {
  /** 1, 2, 3…: recorded in schema_migrations once applied. */
  readonly version: number;
  readonly name: string;
  /** SQL both PGlite and PostgreSQL run; executed inside the migration transaction. */
  readonly sql: string;
}
