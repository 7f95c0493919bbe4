/**
 * An SMI API answered a client (the CLI) with a `Status`. Its message already says what was
 * wrong and what is accepted, so the client passes it on as it came.
 */
export class ApiStatusError extends Error {
  override readonly name = "ApiStatusError";
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}
