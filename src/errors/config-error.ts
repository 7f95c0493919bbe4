import type { z } from "zod";

/** The environment does not describe a runnable service; raised at start-up, never per request. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly issues: readonly z.core.$ZodIssue[];
  constructor(message: string, issues: readonly z.core.$ZodIssue[]) {
    super(message);
    this.issues = issues;
  }
}
