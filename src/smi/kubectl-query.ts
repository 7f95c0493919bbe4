import * as z from "zod";
import { BadRequestError } from "../errors/request-errors";
import type { ObjectPath } from "./route";
import { INCLUDE_OBJECT, type IncludeObject } from "./table";

/**
 * Query parameters kubectl sends besides ours and paging's `limit` and `continue` (captured from
 * kubectl v1.32 with `-v=8`):
 * - `includeObject` (`kubectl get --sort-by` sends `Object`): what a Table row's `object` holds;
 * - `timeout` (`--request-timeout`, and every discovery request): the client's own deadline; ours
 *   is the function's.
 */
export const KUBECTL_PARAMETERS = ["includeObject", "timeout"] as const;

const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

/** kubectl's `timeout`: a Go duration, checked and otherwise unused. */
const TimeoutParameterSchema = z
  .string()
  .regex(GO_DURATION, "timeout must be a duration such as 32s or 1m0s")
  .optional();

export const KubectlQuerySchema = z.object({
  includeObject: z
    .enum(INCLUDE_OBJECT, { message: `includeObject must be one of ${INCLUDE_OBJECT.join(", ")}` })
    .default("Object"),
  timeout: TimeoutParameterSchema,
});

function invalid(error: z.ZodError): BadRequestError {
  return new BadRequestError(error.issues.map((i) => i.message).join("; "), { issues: error.issues });
}

/**
 * Validates kubectl's parameters (the caller refuses unknown and repeated ones) and returns the
 * one that changes the answer. Rows carry the whole TrafficMetrics unless asked otherwise:
 * kubectl reads each row object's metadata for `-A`, and the object is small.
 */
export function readKubectlQuery(query: URLSearchParams): { includeObject: IncludeObject } {
  const parsed = KubectlQuerySchema.safeParse({
    includeObject: query.get("includeObject") ?? undefined,
    timeout: query.get("timeout") ?? undefined,
  });
  if (!parsed.success) throw invalid(parsed.error);
  return { includeObject: parsed.data.includeObject };
}

/** Checks the `timeout` kubectl adds to discovery requests. */
export function checkTimeout(query: URLSearchParams): void {
  const parsed = TimeoutParameterSchema.safeParse(query.get("timeout") ?? undefined);
  if (!parsed.success) throw invalid(parsed.error);
}

/**
 * `kubectl get -w` lists, then asks to watch (`watch=true`; other clients send `watch=1`). These
 * numbers are measured when asked and never streamed, so the 400 points to the CLI's table that
 * refreshes, for the same kind and namespace.
 */
export function refuseWatch(query: URLSearchParams, path: ObjectPath): void {
  if (!query.has("watch")) return;
  const scope = path.namespace === undefined ? "-A" : `-n ${path.namespace}`;
  throw new BadRequestError(
    `watching is not served: these numbers are measured when asked, never streamed. For a table that refreshes, use smi-metrics top --watch: npx smi-metrics top ${path.kind} ${scope} --watch 5s --api <this API's URL>`,
  );
}
