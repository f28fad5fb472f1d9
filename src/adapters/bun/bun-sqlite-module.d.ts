/** The part of Bun's SQLite module (`bun:sqlite`) Kiln's stores use: the project compiles with Node's types. */
declare module "bun:sqlite" {
  export class Database {
    constructor(path: string, options?: { create?: boolean; strict?: boolean });
    exec(sql: string): void;
    /** A statement Bun prepares once per SQL text and caches. */
    query<Row = Record<string, unknown>>(sql: string): { all(...args: unknown[]): Row[]; get(...args: unknown[]): Row | null; run(...args: unknown[]): { changes: number } };
    prepare(sql: string): { run(...args: unknown[]): { changes: number } };
    transaction<A extends unknown[], T>(fn: (...args: A) => T): ((...args: A) => T) & { immediate(...args: A): T };
    close(): void;
  }
  export class SQLiteError extends Error {
    code?: string;
  }
}
