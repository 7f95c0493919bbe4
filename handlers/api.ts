import { loadConfig } from "../src/config";
import { createApiHandler } from "../src/http/api-handler";
import { selectMesh } from "../src/mesh/select";
import { PrometheusClient } from "../src/prometheus/client";

// Built once per container: a bad config fails the cold start, and the client's connection pool
// is reused by every warm invocation.
const config = loadConfig();
const mesh = selectMesh({ mesh: config.mesh, labels: config.labels });
const engine = new PrometheusClient({
  baseUrl: config.prometheus.url,
  timeoutMs: config.prometheus.timeoutMs,
});

export const handler = createApiHandler({
  engine,
  mesh,
  window: config.window,
  backendDescription: new URL(config.prometheus.url).origin,
});
