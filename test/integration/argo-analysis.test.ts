/**
 * The Argo Rollouts AnalysisTemplate in docs/canary-gates-and-reports.md, run as Argo's `web`
 * provider runs it: its URL and headers with the args filled in, GET from the API over a real
 * Prometheus, its `jsonPath` evaluated on the answer, its `successCondition` on the value.
 */
import { readFile } from "node:fs/promises";
import { AnalysisTemplate } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CANARY_NAMESPACE, withCanaries } from "../../src/dev/canary";
import type { KubernetesDouble } from "../../src/dev/kubernetes-double";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import { serveLambdas } from "../../src/dev/local-server";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario, liveFrom } from "../../src/dev/scenario";
import { measurementPhase, webMetricValue } from "../support/argo";
import { canaryKubernetes, kubernetesEnv } from "../support/cluster-doubles";
import { apiFor, scenarioPrometheus } from "../support/harness";

// The canary scenario, shifted to cover now: Argo's web provider sends no time.
const scenario = liveFrom(withCanaries(defaultScenario()), Date.now() / 1000, 20 * 60);
const API_TOKEN = "argo-analysis-api-token-01";
let prometheus: RunningPrometheus;
let kubernetes: KubernetesDouble;
let api: Awaited<ReturnType<typeof serveLambdas>>;

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
  kubernetes = await canaryKubernetes();
  const handler = apiFor({
    MESH: "linkerd",
    PROMETHEUS_URL: prometheus.url,
    ...kubernetesEnv(kubernetes),
    API_TOKEN,
    CACHE_TTL: "0",
  });
  api = await serveLambdas(() => handler as never, 0);
}, 90_000);
afterAll(async () => {
  await api?.close();
  await kubernetes?.close();
  await prometheus?.stop();
});

/** The AnalysisTemplate as the docs give it. */
async function documentedTemplate() {
  const doc = await readFile("docs/canary-gates-and-reports.md", "utf8");
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  const yaml = blocks.find((b) => /^kind: AnalysisTemplate$/m.test(b));
  if (yaml === undefined) throw new Error("no AnalysisTemplate in docs/canary-gates-and-reports.md");
  const template = new AnalysisTemplate(parse(yaml));
  const metric = template.spec.metrics?.[0];
  const web = metric?.provider.web;
  if (metric === undefined || web === undefined)
    throw new Error("the template's first metric is not a web metric");
  return { template, metric, web };
}

/** One measurement of the template's first metric, as Argo takes it with these args. */
async function measure(args: Record<string, string>) {
  const { metric, web } = await documentedTemplate();
  // Argo substitutes {{args.NAME}} in the provider's fields; <api> is the deployed API.
  const fill = (text: string) =>
    text.replace(/\{\{args\.([\w-]+)\}\}/g, (_, name: string) => args[name] ?? `{{args.${name}}}`);
  const url = fill(web.url).replace("https://<api>", api.url);
  const headers = Object.fromEntries((web.headers ?? []).map((h) => [h.key, fill(h.value)]));
  const response = await fetch(url, {
    headers,
    signal: AbortSignal.timeout((web.timeoutSeconds ?? 10) * 1000),
  });
  expect(response.status, url).toBe(200);
  const body = await response.json();
  const value = webMetricValue(web.jsonPath ?? "", body);
  return { body, value, phase: measurementPhase(metric, value) };
}

const split = { namespace: CANARY_NAMESPACE, route: "web", "api-token": API_TOKEN };

describe("the documented Argo Rollouts AnalysisTemplate", () => {
  it("is a valid AnalysisTemplate by Argo Rollouts' own schema", async () => {
    const { template, web } = await documentedTemplate();
    expect(() => template.validate()).not.toThrow();
    expect(web.jsonPath).toBe("{$.successRate}");
  });

  it("fails the canary backend, whose users see 87.69% success, on our real answer", async () => {
    const { body, value, phase } = await measure({ ...split, canary: "web-canary" });
    expect(body).toMatchObject({ backend: "web-canary", side: "client", window: "1m" });
    expect(value).toBe(body.successRate);
    expect(value).toBeCloseTo(0.8769, 4);
    expect(phase).toBe("Failed");
  });

  it("passes the primary backend at exactly 99%, equality on the passing side", async () => {
    const { value, phase } = await measure({ ...split, canary: "web-primary" });
    expect(value).toBe(0.99);
    expect(phase).toBe("Successful");
  });

  it("fails, rather than errs, on an answer without traffic, whose successRate is null", async () => {
    const { metric, web } = await documentedTemplate();
    const idle = await fetch(`${api.url}/summary/namespaces/shop/deployments/idle?t=1m`, {
      headers: { Authorization: `Bearer ${API_TOKEN}` },
    }).then((r) => r.json());
    expect(idle).toMatchObject({ requests: 0, successRate: null });
    const result = webMetricValue(web.jsonPath ?? "", idle);
    expect(result).toBeNull();
    expect(measurementPhase(metric, result)).toBe("Failed");
    // Without isNil the same null is an Error, as in Argo: asFloat cannot read it.
    expect(measurementPhase({ successCondition: "asFloat(result) >= 0.99" }, result)).toBe("Error");
  });
});

describe("the jsonPath reading, against Kubernetes' JSONPath documentation's examples", () => {
  // The input of kubernetes.io/docs/reference/kubectl/jsonpath, cut to what the examples read.
  const input = {
    kind: "List",
    items: [
      { kind: "None", metadata: { name: "127.0.0.1" }, status: { capacity: { cpu: "4" } } },
      { kind: "None", metadata: { name: "127.0.0.2" }, status: { capacity: { cpu: "8" } } },
    ],
    users: [
      { name: "myself", user: {} },
      { name: "e2e", user: { username: "admin", password: "secret" } },
    ],
  };

  it.each([
    ["{.kind}", "List"],
    ["{$.kind}", "List"],
    ["{['kind']}", "List"],
    ["{.users[0].name}", "myself"],
    ["{.items[*].metadata.name}", "127.0.0.1"],
    ['{.users[?(@.name=="e2e")].user.password}', "secret"],
    ["{.items[-1:].status.capacity.cpu}", "8"],
  ])("selects %s as Argo's first value", (template, value) => {
    expect(webMetricValue(template, input)).toBe(value);
  });

  it("refuses template text and range, and says nothing was selected as Argo does", () => {
    expect(() => webMetricValue("rate: {.kind}", input)).toThrow(/only a single \{expression\}/);
    expect(() => webMetricValue("{range .items[*]}{.kind}{end}", input)).toThrow(/only a single/);
    expect(() => webMetricValue("{$.successRate}", input)).toThrow(/produced no value/);
  });
});
