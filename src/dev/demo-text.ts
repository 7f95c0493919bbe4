import type { MeshAdapter } from "../mesh/adapter";
import type { ReportSpec } from "../report/spec";

export interface DemoFacts {
  readonly mesh: MeshAdapter;
  readonly apiUrl: string;
  readonly prometheusUrl: string;
  readonly consulUrl?: string | undefined;
  /** The Kubernetes API double the canaries' splits are read from (not with Consul: its splitters). */
  readonly kubernetesUrl?: string | undefined;
  /** The end of the window the commands ask about. */
  readonly time: Date;
  /** The window the commands ask about, as the API takes it (`5m`). */
  readonly window: string;
  /**
   * Set when Prometheus scrapes a live target serving native histograms rather than holding a
   * backfill: where the target serves, and when its traffic began (nothing is older).
   */
  readonly live?: { readonly targetUrl: string; readonly since: Date } | undefined;
  readonly workloads: number;
  /** Whether the API wants `Authorization: Bearer $API_TOKEN` (set in the environment). */
  readonly apiToken: boolean;
  /** Whether the Flagger webhook wants `$WEBHOOK_TOKEN` in its metadata. */
  readonly webhookToken: boolean;
  readonly reportCommand: string;
}

/**
 * curl for an answer that may carry a `Warning` header (why a zero may not mean idle): `-i` prints
 * the headers, `-S` a failure to connect. Discovery, which names what is served, has none.
 */
const CURL_I = "curl -sSi";

const iso = (time: Date) => `${time.toISOString().slice(0, 19)}Z`;

/** The report the demo offers to run: the generated namespaces over the commands' window. */
export function demoReportSpec(time: Date, kind: string, window: string): ReportSpec {
  return {
    title: "Demo report",
    namespaces: ["shop", "payments"],
    kinds: [kind],
    window,
    time: iso(time),
    sinks: [],
  };
}

/**
 * The history command's range: the backfill's 15 minutes up to the demo's time, or, scraped live,
 * the last two minutes up to when it is run, at the default scrape interval: the live data begins
 * at the start, so 15 minutes up to the printed time would be empty but for its last seconds.
 */
const historyRange = (facts: DemoFacts, time: string) =>
  facts.live === undefined ? `--since 15m --end ${time}` : "--since 2m --step 10s";

/** What Prometheus holds: a backfill around the start, or what it scraped live since the start. */
function dataText(facts: DemoFacts): string {
  const traffic = `${facts.mesh.name} traffic for ${facts.workloads} workloads in namespaces shop, payments and store`;
  if (facts.live === undefined) {
    return `Prometheus ${facts.prometheusUrl} holds ${traffic},
from 15 minutes before ${iso(facts.time)} (when the demo started) to an hour after it.`;
  }
  return `Prometheus ${facts.prometheusUrl} scrapes ${traffic}
every second from a target at ${facts.live.targetUrl}, whose traffic began at ${iso(facts.live.since)}.
Latencies come from native histograms (schema 3), not _bucket series. The commands ask about
the ${facts.window} up to ${iso(facts.time)}: the first full window of scraped data.`;
}

/**
 * The canary web in namespace store, split 90/10 by an HTTPRoute (Consul: its service-splitter): its
 * split's URL, and the lines that name where the split is read from and gate its canary backend.
 * Nothing where the mesh's series cannot tell a split's backends apart (Cilium's).
 */
function canary(facts: DemoFacts, api: string, q: string, token: string) {
  if (facts.mesh.splitPlans === undefined) return { urls: [], source: "", gate: "" };
  const splitKind =
    facts.mesh.kinds.includes("services") && facts.consulUrl !== undefined ? "trafficsplits" : "httproutes";
  const body = `{"name":"web","namespace":"store","phase":"Progressing","metadata":{"kind":"${splitKind}","backend":"web-canary","window":"${facts.window}","time":"${iso(facts.time)}","minSuccessRate":"85","maxP99Ms":"10000"${token}}}`;
  return {
    urls: [`${api}/namespaces/store/${splitKind}/web${q}`],
    source: facts.kubernetesUrl
      ? `
The canaries' TrafficSplits and HTTPRoute are read from a Kubernetes API double at ${facts.kubernetesUrl}.`
      : "",
    gate: `
The canary web in namespace store (primary 90, canary 10): its backends above, and a gate on the canary backend:
${CURL_I} -X POST -H 'content-type: application/json' '${facts.apiUrl}/webhooks/flagger' -d '${body}'
`,
  };
}

/**
 * What the demo prints: where things run, and commands that show data as they are (the tokens
 * stay in the caller's environment: the commands name `$API_TOKEN` and `$WEBHOOK_TOKEN`).
 */
export function demoText(facts: DemoFacts): string {
  const { mesh } = facts;
  const time = iso(facts.time);
  const auth = facts.apiToken ? ` -H "Authorization: Bearer $API_TOKEN"` : "";
  const cliToken = facts.apiToken ? ` --token "$API_TOKEN"` : "";
  const api = `${facts.apiUrl}/apis/metrics.smi-spec.io/v1alpha2`;
  const { window } = facts;
  const q = `?t=${window}&time=${time}`;
  const token = facts.webhookToken ? `,"token":"'"$WEBHOOK_TOKEN"'"` : "";
  const split = canary(facts, api, q, token);
  // Examples follow what the mesh serves: workloads where its series name them, else services.
  const [kind, name] = mesh.kinds.includes("deployments")
    ? ["deployments", "api"]
    : ["services", "payments-api"];
  const urls = [
    `${api}/namespaces/payments/${kind}/${name}${q}`,
    `${api}/${kind}${q}`,
    `${api}/namespaces/payments/${kind}/${name}/edges${q}`,
    `${api}/namespaces/shop${q}`,
    ...(mesh.edgeViews("namespaces").length > 0 ? [`${api}/namespaces/shop/edges${q}`] : []),
    `${api}/`,
    ...split.urls,
  ];
  const gateBody = `{"name":"${name}","namespace":"payments","phase":"Progressing","metadata":{"kind":"${kind}","window":"${window}","time":"${time}","minSuccessRate":"90","maxP99Ms":"5000"${token}}}`;
  return `
${dataText(facts)}${facts.consulUrl ? ` Catalog, splitters and metrics go through a Consul API double at ${facts.consulUrl}.` : ""}${split.source}
The SMI API is on ${facts.apiUrl}. Try (-i prints the headers: a Warning there says why a zero may not mean idle):

${urls.map((url) => `${url.endsWith("/") ? "curl -s" : CURL_I}${auth} '${url}'`).join("\n")}

Plain numbers for Argo Rollouts and scripts:
${CURL_I}${auth} '${facts.apiUrl}/summary/namespaces/payments/${kind}/${name}${q}'

A Flagger gate (HTTP 200 passes, 412 fails with the reasons):
${CURL_I} -X POST -H 'content-type: application/json' '${facts.apiUrl}/webhooks/flagger' -d '${gateBody}'
${split.gate}
The same in a browser, the web UI (the top table, the topology, a workload's charts${split.urls.length > 0 ? ", the canary" : ""}):
${facts.apiUrl}/ui/${facts.apiToken ? " (it asks for $API_TOKEN once)" : ""}

The SMI spec's traffic top and topology, and one resource's history (sparklines on a terminal), with the smi-metrics CLI:
npx smi-metrics top ${kind} -A --window ${window} --time ${time} --api ${facts.apiUrl}${cliToken}
npx smi-metrics topology ${kind} -A --window ${window} --time ${time} --api ${facts.apiUrl}${cliToken}
npx smi-metrics history ${kind}/${name} -n payments ${historyRange(facts, time)} --window ${window} --api ${facts.apiUrl}${cliToken}

A report over the same data:
${facts.reportCommand}

Ctrl-C stops the API and Prometheus.`;
}
