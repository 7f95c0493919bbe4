/** `smi-metrics --help`. */
export const HELP = `smi-metrics: the SMI spec's traffic top and topology, and one resource's history, from a running API or straight from Prometheus

Usage:
  smi-metrics top KIND [-n NAMESPACE | -A] [--window 1m] [--time T] [--sort success|rps|p99] [--watch 5s] SOURCE
  smi-metrics topology KIND [-n NAMESPACE | -A] [-o ascii|dot|mermaid] [--green 99.9] [--amber 99] [--window 1m] [--time T] SOURCE
  smi-metrics history KIND/NAME [-n NAMESPACE] [--since 1h | --start T [--end T]] [--step 1m] [--window D] [-o json] [--sparklines] SOURCE

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
  --green P     topology: an edge is green at a success rate of P percent or more (default 99.9)
  --amber P     topology: amber at P percent or more, below --green (default 99); red below
  --since D     history: the last D (default 1h), up to the last whole --step before now or to --end
  --start T     history: the first point instead (RFC 3339 or Unix seconds); --end T the last (default now)
  --step D      history: time between points (default 1m); each point is the --window (default: the
                step) ending there, so the points tile the range
  -o json       history: the API's TrafficMetricsSeries as it came, instead of the table
  --sparklines  history: draw success rate, RPS and p99 as sparklines under the table (the default on a
                terminal; --no-sparklines leaves them out there)
  -h, --help    this text

Columns: SIDE is whose proxy measured the row: client (which counts requests that never reached the
server) or server, so the same workload's SUCCESS can differ between kinds; SUCCESS is the share of
requests that succeeded (4xx count as success), RPS requests per second over the window,
LATENCY_P50/P90/P99 response latency in ms; - means no traffic.

Topology edges are labelled with requests per second, success rate and its level: green, amber or
red by --green and --amber (percent, 0 to 100; 0.99 is refused as a likely fraction), grey without
traffic. DOT and Mermaid draw each edge in its level's colour, with a legend; a dashed box is a peer
of a listed resource, not listed itself.

History prints a row per point with top's columns under TIME; a sparkline scales its points' own
lowest to highest value to ▁ to █ (the two printed after it), · where a point had no traffic.

Examples:
  npx smi-metrics top deployments -n shop --api http://127.0.0.1:3000
  npx smi-metrics top pods -A --sort success --window 5m --api https://metrics.example.com --token "$API_TOKEN"
  npx smi-metrics top deployments -n shop --watch 5s --prometheus http://localhost:9090 --mesh linkerd
  npx smi-metrics topology deployments -A -o dot --api http://127.0.0.1:3000 | dot -Tsvg > topology.svg
  npx smi-metrics topology deployments -A --green 99.5 --amber 95 --api http://127.0.0.1:3000
  npx smi-metrics topology services -n shop -o mermaid --prometheus http://localhost:9090 --mesh consul
  npx smi-metrics history deployments/checkout -n shop --since 30m --step 1m --api http://127.0.0.1:3000
  npx smi-metrics history deployments/checkout -n shop --since 6h --step 15m -o json --prometheus http://localhost:9090 --mesh linkerd
`;

/** The one-line reminder printed after a usage mistake. */
export const USAGE =
  "smi-metrics top|topology KIND [-n NS | -A] | history KIND/NAME [-n NS] --api URL | --prometheus URL --mesh M (see --help)";
