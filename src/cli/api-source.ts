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

/** What a getter checks an answer against: its schema, and the kind it names in a complaint. */
interface Expected<T> {
  readonly schema: z.ZodType<T>;
  readonly kind: string;
}

/** GETs a path below the preferred version with query parameters, checked against `expected`. */
export type ApiGet = <T>(path: string, expected: Expected<T>, query: Record<string, string>) => Promise<T>;

/**
 * A getter of SMI answers from a running API over HTTP, checked against the wire schemas as they
 * arrive. An error answer becomes its `Status` message; anything else that is not the expected
 * kind is said plainly, with the URL.
 */
export function apiGetter(options: ApiSourceOptions): ApiGet {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new UsageError(`--api must be the API's URL, such as http://127.0.0.1:3000; got "${options.url}"`);
  }
  const root = `/apis/${API_GROUP}/${PREFERRED_VERSION}`;
  return async (path, expected, query) => {
    const url = new URL(`${base.pathname.replace(/\/$/, "")}${root}${path}`, base);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
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
    return checked(expected, body, url);
  };
}

const LIST: Expected<z.infer<typeof TrafficMetricsListSchema>> = {
  schema: TrafficMetricsListSchema,
  kind: "TrafficMetricsList",
};

/** The lists `top` and `topology` read, from a running API at its window and time. */
export function apiSource(options: ApiSourceOptions): TrafficSource {
  const get = apiGetter(options);
  const query = {
    ...(options.window === undefined ? {} : { window: options.window }),
    ...(options.time === undefined ? {} : { time: options.time }),
  };
  return {
    list: (kind, namespace) =>
      get(namespace === undefined ? `/${kind}` : `/namespaces/${namespace}/${kind}`, LIST, query),
    edges: (kind, namespace) =>
      get(
        kind === "namespaces" ? `/namespaces/${namespace}/edges` : `/namespaces/${namespace}/${kind}/-/edges`,
        LIST,
        query,
      ),
  };
}

function checked<T>({ schema, kind }: Expected<T>, body: unknown, url: URL): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiStatusError(
      502,
      "BadGateway",
      `${url.origin}${url.pathname} did not answer a ${kind}: ${issue?.path.join(".") || "(body)"}: ${issue?.message}`,
    );
  }
  return parsed.data;
}
