/** An unexpected error as the log keeps it: enough to debug, and nothing a caller sent. */
export interface ErrorLog {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** The `cause` chain, outermost first. */
  readonly causes?: readonly { readonly name: string; readonly message: string }[];
}

/** Bounds the cause chain: a cycle of causes must not hang the log line. */
const MAX_CAUSES = 8;

/**
 * What a 500 logs. Its text never reaches the caller (the Status says only "internal error"), so
 * the log line is where it is debugged. Our errors carry no secrets in their messages; requests'
 * headers and bodies are not part of an error.
 */
export function errorLog(error: unknown): ErrorLog {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error) };
  const causes: { name: string; message: string }[] = [];
  let cause = error.cause;
  while (cause !== undefined && causes.length < MAX_CAUSES) {
    causes.push(
      cause instanceof Error
        ? { name: cause.name, message: cause.message }
        : { name: typeof cause, message: String(cause) },
    );
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return {
    name: error.name,
    message: error.message,
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(causes.length === 0 ? {} : { causes }),
  };
}
