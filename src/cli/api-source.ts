import type * as z from "zod";
import { PREFERRED_VERSION } from "../smi/discovery";
import { API_GROUP } from "../smi/kinds";
import { StatusSchema, TrafficMetricsListSchema } from "../smi/schemas";
import { type TrafficSource, warningTexts } from "../topology/source";
import { ApiStatusError } from "./api-status-error";
import { UsageError } from "./run-main";

export interface ApiSourceOptions {
  readonly url: string;
  readonly token?: string | undefined;
  readonly window?: string | undefined;
  readonly time?: string | undefined;
  readonly timeoutMs?: number;
  /** Gets each answer's `Warning` texts: why a zero may not mean idle. */
  readonly warn?: (warning: string) => void;
}

/**
 * SMI answers from a running API over HTTP, checked against the wire schemas as they arrive.
 * An error answer becomes its `Status` message; anything else that is not the expected list is
 * said plainly, with the URL.
 */
export function apiSource(options: ApiSourceOptions): TrafficSource {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new UsageError(`--api must be the API's URL, such as http://127.0.0.1:3000; got "${options.url}"`);
  }
  const root = `/apis/${API_GROUP}/${PREFERRED_VERSION}`;
  const get = async (path: string) => {
    const url = new URL(`${base.pathname.replace(/\/$/, "")}${root}${path}`, base);
    if (options.window !== undefined) url.searchParams.set("window", options.window);
    if (options.time !== undefined) url.searchParams.set("time", options.time);
    const response = await fetch(url, {
      headers: {
        accept: "application/json",
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      },
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    }).catch((error: unknown) => {
      throw new UsageError(
        `cannot reach the API at ${base.origin}: ${(error as Error).cause ?? (error as Error).message}`,
      );
    });
    const body: unknown = await response.json().catch(() => undefined);
    for (const warning of warningTexts(response.headers.get("warning"))) options.warn?.(warning);
    if (!response.ok) {
      const status = StatusSchema.safeParse(body);
      if (status.success) throw new ApiStatusError(status.data.code, status.data.reason, status.data.message);
      throw new ApiStatusError(
        response.status,
        "Unknown",
        `${url.origin}${url.pathname} answered HTTP ${response.status}`,
      );
    }
    return checked(TrafficMetricsListSchema, body, url);
  };
  return {
    list: (kind, namespace) => get(namespace === undefined ? `/${kind}` : `/namespaces/${namespace}/${kind}`),
    edges: (kind, ref) =>
      get(
        ref.namespace === undefined
          ? `/namespaces/${ref.name}/edges`
          : `/namespaces/${ref.namespace}/${kind}/${ref.name}/edges`,
      ),
  };
}

function checked<T>(schema: z.ZodType<T>, body: unknown, url: URL): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiStatusError(
      502,
      "BadGateway",
      `${url.origin}${url.pathname} did not answer a TrafficMetricsList: ${issue?.path.join(".") || "(body)"}: ${issue?.message}`,
    );
  }
  return parsed.data;
}
