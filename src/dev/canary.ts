import type { CatalogEntry, SplitterEntry } from "./consul-double";
import { canaryObjects, type KubernetesObject } from "./kubernetes-api-bodies";
import { type LatencyMix, type Scenario, type Stream, stream, workload } from "./scenario";

/**
 * Canaries on top of a scenario, in namespace `store`, with known traffic per backend:
 * - apex `web` split 90/10 between Services `web-primary` and `web-canary` by an HTTPRoute `web`
 *   (and the same split as a TrafficSplit `web`). `shopper` calls the apex; the canary answers a
 *   share a little above its weight, fails more and is slower. `tester` calls `web-canary`
 *   directly, past the apex: traffic to the backend that is not the apex's;
 * - apex `search` split 80/20 between Services `search-v1` and `search-v2` by a TrafficSplit only
 *   (v1alpha1 weights "800m"/"200m", as linkerd-smi routes them: no route metrics), with `tester`
 *   calling `search-v2` directly too;
 * - apex `reviews` split 80/20 between subsets `v1` and `v2` of the same Service, as Istio
 *   DestinationRule subsets and Consul service subsets split.
 */
export const CANARY_NAMESPACE = "store";
const PORT = 8080;

const STEADY: LatencyMix = [
  { upTo: 5, share: 0.3 },
  { upTo: 10, share: 0.3 },
  { upTo: 50, share: 0.25 },
  { upTo: 500, share: 0.15 },
];
const SLOWER: LatencyMix = [
  { upTo: 10, share: 0.2 },
  { upTo: 50, share: 0.35 },
  { upTo: 100, share: 0.25 },
  { upTo: 1000, share: 0.2 },
];

export function withCanaries(base: Scenario): Scenario {
  const ns = CANARY_NAMESPACE;
  const primary = workload(ns, "web-primary", "deployment", 2);
  const canary = workload(ns, "web-canary", "deployment", 1, { version: "v2" });
  const searchV1 = workload(ns, "search-v1", "deployment", 1);
  const searchV2 = workload(ns, "search-v2", "deployment", 1, { version: "v2" });
  const reviewsV1 = workload(ns, "reviews-v1", "deployment", 1, { service: "reviews", version: "v1" });
  const reviewsV2 = workload(ns, "reviews-v2", "deployment", 1, { service: "reviews", version: "v2" });
  const shopper = workload(ns, "shopper", "deployment", 2);
  const tester = workload(ns, "tester", "deployment", 1);
  const web = { namespace: ns, apex: "web", port: PORT, route: { kind: "HTTPRoute", name: "web" } } as const;
  const search = { namespace: ns, apex: "search", port: PORT };
  const reviews = { namespace: ns, apex: "reviews", port: PORT };
  const streams: Stream[] = [
    stream(shopper, primary, {
      rps: 9,
      serverFailureShare: 0.01,
      notFoundShare: 0.02,
      serverLatency: STEADY,
      via: web,
    }),
    stream(shopper, canary, {
      rps: 1.2,
      serverFailureShare: 0.05,
      clientOnlyFailureRps: 0.1,
      serverLatency: SLOWER,
      via: web,
    }),
    stream(tester, canary, { rps: 0.5, serverLatency: SLOWER }),
    stream(shopper, searchV1, { rps: 3, serverFailureShare: 0.01, serverLatency: STEADY, via: search }),
    stream(shopper, searchV2, { rps: 0.9, serverFailureShare: 0.04, serverLatency: SLOWER, via: search }),
    stream(tester, searchV2, { rps: 0.3, serverLatency: STEADY }),
    stream(shopper, reviewsV1, { rps: 4, serverFailureShare: 0.02, serverLatency: STEADY, via: reviews }),
    stream(shopper, reviewsV2, { rps: 1, serverFailureShare: 0.1, serverLatency: SLOWER, via: reviews }),
  ];
  return {
    ...base,
    workloads: [
      ...base.workloads,
      primary,
      canary,
      searchV1,
      searchV2,
      reviewsV1,
      reviewsV2,
      shopper,
      tester,
    ],
    streams: [...base.streams, ...streams],
  };
}

/**
 * The Kubernetes objects that declare the canaries: the HTTPRoute and TrafficSplit of `web`
 * (90/10), and a TrafficSplit of `reviews` whose backends are named after its subsets' versions.
 */
export function canaryKubernetesObjects(trafficSplitVersion = "v1alpha4"): KubernetesObject[] {
  const { trafficSplit, httpRoute } = canaryObjects({
    namespace: CANARY_NAMESPACE,
    apex: "web",
    primary: "web-primary",
    canary: "web-canary",
    weights: [90, 10],
    port: PORT,
    trafficSplitVersion,
  });
  const search: KubernetesObject = {
    apiVersion: `split.smi-spec.io/${trafficSplitVersion}`,
    kind: "TrafficSplit",
    metadata: { name: "search", namespace: CANARY_NAMESPACE },
    spec: {
      service: "search",
      backends:
        trafficSplitVersion === "v1alpha1"
          ? [
              { service: "search-v1", weight: "800m" },
              { service: "search-v2", weight: "200m" },
            ]
          : [
              { service: "search-v1", weight: 80 },
              { service: "search-v2", weight: 20 },
            ],
    },
  };
  const reviews: KubernetesObject = {
    apiVersion: `split.smi-spec.io/${trafficSplitVersion}`,
    kind: "TrafficSplit",
    metadata: { name: "reviews", namespace: CANARY_NAMESPACE },
    spec: {
      service: "reviews",
      backends: [
        { service: "v1", weight: 80 },
        { service: "v2", weight: 20 },
      ],
    },
  };
  return [trafficSplit, httpRoute, search, reviews];
}

/** Consul's service-splitters for the same canaries: `web` by service, `reviews` by subset. */
export const CANARY_SPLITTERS: readonly SplitterEntry[] = [
  {
    name: "web",
    splits: [
      { weight: 90, service: "web-primary" },
      { weight: 10, service: "web-canary" },
    ],
  },
  {
    name: "search",
    splits: [
      { weight: 80, service: "search-v1" },
      { weight: 20, service: "search-v2" },
    ],
  },
  {
    name: "reviews",
    splits: [
      { weight: 80, serviceSubset: "v1" },
      { weight: 20, serviceSubset: "v2" },
    ],
  },
];

/**
 * The apexes `web` and `search` as Consul's catalog holds them: a splitter's apex is a registered
 * service (its own instances serve what the splitter does not send elsewhere), which is also how
 * the splitter is placed in a Kubernetes namespace.
 */
export const CANARY_CATALOG: readonly CatalogEntry[] = ["web", "search"].map((name) => ({
  name,
  meta: {
    "k8s-namespace": CANARY_NAMESPACE,
    "k8s-service-name": name,
    "managed-by": "consul-k8s-endpoints-controller",
  },
  instances: 1,
}));
