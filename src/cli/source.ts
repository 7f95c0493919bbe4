import { type Context, createContext } from "../config/context";
import { processEnv } from "../config/environment";
import { loadConfig } from "../config/settings";
import { resolveTimeRange } from "../metrics/time-range";
import { coreSource } from "../topology/core-source";
import type { TrafficSource } from "../topology/source";
import { apiSource } from "./api-source";
import type { Command } from "./args";
import { UsageError } from "./run-main";
import type { SourceOptions } from "./source-options";

type Reading = Extract<Command, { type: "top" | "topology" }>;

/**
 * The source a command reads, as of `now`: a running API (which applies its own defaults and
 * clock), or the core in-process over Prometheus with the environment's settings, `--prometheus`
 * and `--mesh` taking the place of `PROMETHEUS_URL` and `MESH`.
 */
export function sourceFor(command: Reading, now: Date, warn: (warning: string) => void): TrafficSource {
  const { source, window, time } = command;
  if (source.type === "api") return apiSource({ url: source.url, token: source.token, window, time, warn });
  const context = inProcessContext(source);
  const range = resolveTimeRange(
    { window, time, names: { window: "--window", time: "--time" } },
    context.config.window,
    now,
  );
  return coreSource(context, range, warn);
}

/**
 * The core as the API would build it from this environment, with `--prometheus` and `--mesh` in
 * place of `PROMETHEUS_URL` and `MESH`; a mesh is required one way or the other.
 */
export function inProcessContext(source: Extract<SourceOptions, { type: "prometheus" }>): Context {
  if (source.mesh === undefined && processEnv().MESH === undefined) {
    throw new UsageError(
      "--prometheus needs --mesh linkerd|istio|consul|cilium (or MESH in the environment): which mesh's series to read",
    );
  }
  const config = loadConfig(processEnv(), {
    ...(source.url === undefined ? {} : { PROMETHEUS_URL: source.url }),
    ...(source.mesh === undefined ? {} : { MESH: source.mesh }),
  });
  return createContext(config);
}
