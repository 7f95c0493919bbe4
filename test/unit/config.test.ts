import { describe, expect, it } from "vitest";
import { createContext } from "../../src/config/context";
import { loadConfig } from "../../src/config/settings";
import { loadConfigAndDevSettings } from "../../src/dev/dev-settings";
import { ConfigError } from "../../src/errors/config-error";
import { createApiHandler } from "../../src/http/api-handler";

/** The api function as `handlers/api.ts` builds it. */
const apiFromEnv = (config: ReturnType<typeof loadConfig>) => createApiHandler(createContext(config));

describe("loadConfig", () => {
  it("uses documented defaults for an empty environment", () => {
    const config = loadConfig({});
    expect(config.mesh).toBe("linkerd");
    expect(config.prometheus).toEqual({
      url: "http://localhost:9090",
      timeoutMs: 10_000,
      via: "prometheus",
      headers: {},
      retryAttempts: 3,
    });
    expect(config.apiAuth).toEqual({ mode: "none" });
    expect(config.cache).toEqual({ ttlMs: 60_000, maxEntries: 500, maxBytes: 32 * 1024 * 1024 });
    expect(config.consul).toBeUndefined();
    expect(config.window).toEqual({ defaultMs: 30_000, minMs: 10_000, maxMs: 86_400_000 });
    expect(config.labels.namespace).toBe("namespace");
    expect(config.labels.job).toBe("k8s_job");
  });

  it.each([
    ["MESH", "kuma", "one of: linkerd, istio, consul, cilium"],
    ["CONSUL_HTTP_ADDR", "consul:8500", "http(s) URL"],
    ["PROMETHEUS_URL", "not a url", "http(s) URL"],
    ["PROMETHEUS_URL", "ftp://x", "http(s) URL"],
    ["PROMETHEUS_TIMEOUT_MS", "soon", "whole number"],
    ["PROMETHEUS_TIMEOUT_MS", "10", "at least 100"],
    ["SCRAPE_INTERVAL", "-5s", "positive duration"],
    ["LABEL_NAMESPACE", "kubernetes-namespace", "label name"],
    ["PROMETHEUS_HEADERS", "X-Scope-OrgID: a", "JSON object"],
    ["PROMETHEUS_HEADERS", '{"X Scope":"a"}', "header name"],
    ["PROMETHEUS_SIGV4_REGION", "mars", "AWS region"],
    ["API_AUTH", "basic", "iam, jwt or none"],
    ["CACHE_TTL", "soon", "duration"],
  ])("stops with a message naming %s when it is %j", (name, value, accepted) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(
      new RegExp(`${name}: .*${accepted.replace(/[()]/g, "\\$&")}`),
    );
  });

  it("rejects a default window outside the allowed range", () => {
    expect(() => loadConfig({ DEFAULT_WINDOW: "5s" })).toThrow(/DEFAULT_WINDOW/);
  });

  it("takes renamed relabeling labels", () => {
    const config = loadConfig({ LABEL_NAMESPACE: "kubernetes_namespace", LABEL_POD: "kubernetes_pod_name" });
    expect(config.labels).toMatchObject({ namespace: "kubernetes_namespace", pod: "kubernetes_pod_name" });
  });

  it("sends PromQL through Consul's metrics proxy when Consul is configured and Prometheus is not", () => {
    const config = loadConfig({
      MESH: "consul",
      CONSUL_HTTP_ADDR: "http://consul:8500",
      CONSUL_HTTP_TOKEN: "t",
    });
    expect(config.prometheus).toMatchObject({ url: "http://consul:8500", via: "consul" });
    expect(config.consul).toEqual({ address: "http://consul:8500", token: "t" });
  });

  it("queries Prometheus directly when PROMETHEUS_URL is set, even with Consul configured", () => {
    const config = loadConfig({
      MESH: "consul",
      CONSUL_HTTP_ADDR: "http://consul:8500",
      PROMETHEUS_URL: "http://p:9090",
    });
    expect(config.prometheus).toMatchObject({ url: "http://p:9090", via: "prometheus" });
  });

  it("refuses CONSUL_HTTP_ADDR with another mesh instead of ignoring it", () => {
    expect(() => loadConfig({ MESH: "istio", CONSUL_HTTP_ADDR: "http://consul:8500" })).toThrow(
      /CONSUL_HTTP_ADDR: is only read with MESH=consul, and MESH is istio/,
    );
  });

  it("refuses API_TOKEN with a gateway authorizer, whose header carries a signature or a JWT", () => {
    for (const mode of ["iam", "jwt"]) {
      expect(() => loadConfig({ API_AUTH: mode, API_TOKEN: "0123456789abcdef" })).toThrow(
        new RegExp(`API_TOKEN: is only checked with API_AUTH=none; with API_AUTH=${mode}`),
      );
      // An empty value is unset, as serverless.yml passes it for the gateway modes.
      expect(loadConfig({ API_AUTH: mode, API_TOKEN: "" }).apiAuth).toEqual({ mode });
    }
  });

  it("names every bad variable in one message", () => {
    expect(() => loadConfig({ MESH: "linkrd", PROMETHEUS_TIMEOUT_MS: "soon" })).toThrow(
      /^invalid configuration: MESH: must be one of: linkerd, istio, consul, cilium; PROMETHEUS_TIMEOUT_MS: must be a whole number from 100 to 300000, in digits$/,
    );
  });

  it("reads backend headers, bearer token and SigV4 region", () => {
    const config = loadConfig({
      PROMETHEUS_URL: "https://mimir.example/prometheus",
      PROMETHEUS_HEADERS: '{"X-Scope-OrgID":"team-a"}',
      PROMETHEUS_BEARER_TOKEN: "tok",
      PROMETHEUS_SIGV4_REGION: "eu-west-1",
    });
    expect(config.prometheus).toMatchObject({
      url: "https://mimir.example/prometheus",
      headers: { "X-Scope-OrgID": "team-a" },
      bearerToken: "tok",
      sigv4Region: "eu-west-1",
    });
  });

  it("refuses to build a deployed api with API_AUTH=none and no API_TOKEN, and says why", () => {
    const deployed = { AWS_LAMBDA_FUNCTION_NAME: "smi-api" };
    expect(() => apiFromEnv(loadConfig({ ...deployed, API_AUTH: "none" }))).toThrow(
      /refusing to serve: API_AUTH is none and API_TOKEN is unset/,
    );
    expect(() => apiFromEnv(loadConfig({ ...deployed, API_AUTH: "iam" }))).not.toThrow();
    expect(() => apiFromEnv(loadConfig({ ...deployed, API_TOKEN: "0123456789abcdef" }))).not.toThrow();
    // The report function serves no HTTP: its configuration loads without the API's token.
    expect(loadConfig({ ...deployed, API_AUTH: "none" }).apiAuth.mode).toBe("none");
    // Locally the token is optional.
    expect(() => apiFromEnv(loadConfig({}))).not.toThrow();
  });
});

describe("loadConfigAndDevSettings", () => {
  const dev = (env: Record<string, string>) => loadConfigAndDevSettings(env).dev;
  it("reads the local server's port and host, and refuses a bad port", () => {
    expect(dev({})).toEqual({ port: 3000, host: "127.0.0.1", prometheusPort: 0 });
    expect(dev({ PORT: "0", PROMETHEUS_BIN: "/opt/p/prometheus", PROMETHEUS_PORT: "9091" })).toMatchObject({
      port: 0,
      prometheusBin: "/opt/p/prometheus",
      prometheusPort: 9091,
    });
    expect(() => dev({ PORT: "70000" })).toThrow(/PORT: must be at most 65535/);
  });

  it("names every bad variable of both schemas in one error", () => {
    expect(() => loadConfigAndDevSettings({ MESH: "linkrd", PORT: "abc" })).toThrow(
      /^invalid configuration: MESH: must be one of: linkerd, istio, consul, cilium; PORT: must be a whole number from 0 to 65535, in digits$/,
    );
  });

  it.each(["0x10", "1e3", "+7", " 7", "7 ", "7.0", "-1"])("takes numbers in digits only, not %j", (value) => {
    expect(() => dev({ PORT: value })).toThrow(/PORT: must be a whole number from 0 to 65535, in digits/);
  });
});
