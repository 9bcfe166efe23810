/**
 * The `console` k6 provides to scripts (not declared by `@types/k6`), for the type check of the
 * k6 scripts (load/tsconfig.json).
 */
declare const console: {
  log(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
};
