/** `smi-metrics --help`. */
export const HELP = `smi-metrics: the SMI spec's traffic top and topology, from a running API or straight from Prometheus

Usage:
  smi-metrics top KIND [-n NAMESPACE | -A] [--window 1m] [--time T] [--sort success|rps|p99] [--watch 5s] SOURCE
  smi-metrics topology KIND [-n NAMESPACE | -A] [-o ascii|dot|mermaid] [--window 1m] [--time T] SOURCE

KIND is a plural kind: deployments, pods, statefulsets, daemonsets, jobs, replicasets, services or
namespaces (which the mesh serves is its answer). Without -n or -A the namespace is "default".

SOURCE is one of:
  --api URL [--token T]       a running API (npm start, or the deployed one; --token is sent as a Bearer token)
  --prometheus URL --mesh M   Prometheus itself, through the same core in-process; the usual environment
                              variables (LABEL_*, PROMETHEUS_HEADERS, SCRAPE_INTERVAL, ...) apply, and
                              PROMETHEUS_URL and MESH stand in for the flags

Options:
  --window D    the window, such as 30s, 5m or 1h (default: the API's, 30s)
  --time T      the end of the window, RFC 3339 or Unix seconds (default: now)
  --sort K      top: worst success rate, most requests per second, or slowest p99 first
  --watch D     top: print again every D, under the time it was fetched, until interrupted
  -o F          topology: ascii (default), dot for Graphviz, mermaid for Markdown
  -h, --help    this text

Columns: SUCCESS is the share of requests that succeeded (4xx count as success), RPS requests per
second over the window, LATENCY_P50/P90/P99 response latency in ms; - means no traffic. Topology
edges are labelled with requests per second and success rate; edges with failures are red in DOT
and Mermaid and marked ! in ASCII.

Examples:
  npx smi-metrics top deployments -n shop --api http://127.0.0.1:3000
  npx smi-metrics top pods -A --sort success --window 5m --api https://metrics.example.com --token "$API_TOKEN"
  npx smi-metrics top deployments -n shop --watch 5s --prometheus http://localhost:9090 --mesh linkerd
  npx smi-metrics topology deployments -A -o dot --api http://127.0.0.1:3000 | dot -Tsvg > topology.svg
  npx smi-metrics topology services -n shop -o mermaid --prometheus http://localhost:9090 --mesh consul
`;

/** The one-line reminder printed after a usage mistake. */
export const USAGE =
  "smi-metrics top|topology KIND [-n NS | -A] --api URL | --prometheus URL --mesh M (see --help)";
