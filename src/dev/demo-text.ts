import type { MeshAdapter } from "../mesh/adapter";
import type { ReportSpec } from "../report/spec";

export interface DemoFacts {
  readonly mesh: MeshAdapter;
  readonly apiUrl: string;
  readonly prometheusUrl: string;
  readonly consulUrl?: string | undefined;
  /** The end of the generated data: the `time` that shows it. */
  readonly time: Date;
  readonly workloads: number;
  /** Whether the API wants `Authorization: Bearer $API_TOKEN` (set in the environment). */
  readonly apiToken: boolean;
  /** Whether the Flagger webhook wants `$WEBHOOK_TOKEN` in its metadata. */
  readonly webhookToken: boolean;
  readonly reportCommand: string;
}

const iso = (time: Date) => `${time.toISOString().slice(0, 19)}Z`;

/** The report the demo offers to run: the generated namespaces over the generated window. */
export function demoReportSpec(time: Date): ReportSpec {
  return {
    title: "Demo report",
    namespaces: ["shop", "payments"],
    kinds: ["services"],
    window: "5m",
    time: iso(time),
    sinks: [],
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
  const api = `${facts.apiUrl}/apis/metrics.smi-spec.io/v1alpha2`;
  const q = `?t=5m&time=${time}`;
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
  ];
  const token = facts.webhookToken ? `,"token":"'"$WEBHOOK_TOKEN"'"` : "";
  const gateBody = `{"name":"${name}","namespace":"payments","phase":"Progressing","metadata":{"kind":"${kind}","window":"5m","time":"${time}","minSuccessRate":"90","maxP99Ms":"5000"${token}}}`;
  return `
Prometheus ${facts.prometheusUrl} holds ${mesh.name} traffic for ${facts.workloads} workloads in namespaces shop and payments,
ending at ${time}.${facts.consulUrl ? ` Catalog and metrics go through a Consul API double at ${facts.consulUrl}.` : ""}
The SMI API is on ${facts.apiUrl}. Try:

${urls.map((url) => `curl -s${auth} '${url}'`).join("\n")}

Plain numbers for Argo Rollouts and scripts:
curl -s${auth} '${facts.apiUrl}/summary/namespaces/payments/${kind}/${name}${q}'

A Flagger gate (HTTP 200 passes, 412 fails with the reasons):
curl -s -X POST -H 'content-type: application/json' '${facts.apiUrl}/webhooks/flagger' -d '${gateBody}'

A report over the same data:
${facts.reportCommand}

Ctrl-C stops the API and Prometheus.`;
}
