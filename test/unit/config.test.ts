import { describe, expect, it } from "vitest";
import { createBackends } from "../../src/backends";
import { loadConfig } from "../../src/config";
import { ConfigError } from "../../src/errors";

describe("loadConfig", () => {
  it("uses documented defaults for an empty environment", () => {
    const config = loadConfig({});
    expect(config.mesh).toBe("linkerd");
    expect(config.prometheus).toEqual({ url: "http://localhost:9090", timeoutMs: 10_000, via: "prometheus" });
    expect(config.consul).toBeUndefined();
    expect(config.port).toBe(3000);
    expect(config.window).toEqual({ defaultMs: 30_000, minMs: 10_000, maxMs: 86_400_000 });
    expect(config.labels.namespace).toBe("namespace");
    expect(config.labels.job).toBe("k8s_job");
  });

  it.each([
    ["MESH", "kuma", "one of: linkerd, istio, consul"],
    ["CONSUL_HTTP_ADDR", "consul:8500", "http(s) URL"],
    ["PROMETHEUS_URL", "not a url", "http(s) URL"],
    ["PROMETHEUS_URL", "ftp://x", "http(s) URL"],
    ["PROMETHEUS_TIMEOUT_MS", "soon", "whole number"],
    ["PROMETHEUS_TIMEOUT_MS", "10", "at least 100"],
    ["PORT", "70000", "at most 65535"],
    ["SCRAPE_INTERVAL", "-5s", "positive duration"],
    ["LABEL_NAMESPACE", "kubernetes-namespace", "label name"],
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
    expect(() =>
      createBackends(loadConfig({ MESH: "istio", CONSUL_HTTP_ADDR: "http://consul:8500" })),
    ).toThrow(/CONSUL_HTTP_ADDR is only read with MESH=consul/);
  });
});
