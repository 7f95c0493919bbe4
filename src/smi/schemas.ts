/**
 * The wire format of everything this API answers, as zod schemas. The TypeScript types of the
 * objects we build are derived from these, the OpenAPI documents are generated from them, and the
 * contract tests check every answer against them, so the three cannot drift apart.
 *
 * Builders import these modules for types only: the schemas are evaluated only where they are
 * used at run time (OpenAPI generation), never on a metrics request.
 */
import * as z from "zod";
import { API_GROUP, API_VERSIONS, type ApiVersion } from "./kinds";

const GROUP_VERSIONS = API_VERSIONS.map((v) => `${API_GROUP}/${v}`) as [
  `${typeof API_GROUP}/${ApiVersion}`,
  ...`${typeof API_GROUP}/${ApiVersion}`[],
];

/** RFC 3339 to the second in UTC, as Go's `metav1.Time` marshals. */
export const TimestampSchema = z.iso
  .datetime({ precision: 0 })
  .meta({ description: "RFC 3339 time in UTC, to the second", example: "2026-11-25T20:00:00Z" });

/** A Kubernetes `resource.Quantity` in canonical DecimalSI form, as Go's apimachinery prints it. */
const QuantitySchema = z
  .string()
  .regex(/^(0|-?[1-9][0-9]*(m|k|M|G|T|P|E)?)$/, "a canonical DecimalSI Quantity such as 1500m, 570 or 2M")
  .meta({
    description: "Kubernetes Quantity (DecimalSI): m is 10^-3, k 10^3, M 10^6; no fraction digits",
    example: "73492m",
  });

export const ObjectReferenceSchema = z
  .strictObject({
    kind: z.string().meta({ description: "singular Kind: Deployment, Pod, Namespace, ..." }),
    namespace: z.string().optional().meta({ description: "absent for namespaces" }),
    name: z.string(),
  })
  .meta({ description: "The Kubernetes object the numbers are about" });
export type ObjectReference = z.infer<typeof ObjectReferenceSchema>;

export const TrafficMetricsMetadataSchema = z.strictObject({
  name: z.string(),
  namespace: z.string().optional(),
  selfLink: z.string().meta({ description: "the API path of this object" }),
  creationTimestamp: TimestampSchema,
});

const LATENCY_NAMES = ["p99_response_latency", "p90_response_latency", "p50_response_latency"] as const;
export type LatencyName = (typeof LATENCY_NAMES)[number];

const LatencyMetricSchema = z.strictObject({
  name: z.enum(LATENCY_NAMES),
  unit: z.literal("ms"),
  value: QuantitySchema.nullable().meta({
    description: "latencies: milliseconds; null when nothing was observed",
  }),
});

const CountMetricSchema = z.strictObject({
  name: z.enum(["success_count", "failure_count"]),
  value: QuantitySchema.meta({ description: "counts: requests in the window; 4xx count as successes" }),
});

const ShareMetricSchema = z.strictObject({
  name: z.literal("traffic_share"),
  value: QuantitySchema.meta({
    description:
      "traffic_share, split backends only: the observed share of the split's requests this backend answered (a fraction: 900m is 90%)",
  }),
});

const BackendSchema = z
  .strictObject({
    apex: z.string().meta({
      description:
        "the Service the split's callers address; name.namespace when not in the split's namespace",
    }),
    name: z.string().meta({ description: "the backend: a Service, or a subset of the apex" }),
    weight: z.int().meta({ description: "the configured weight, relative to the split's other backends" }),
  })
  .meta({ description: "v1alpha2 split items only (trafficsplits, httproutes): which backend of the split" });

export const EdgeSchema = z
  .strictObject({
    direction: z.enum(["to", "from"]).meta({
      description: "to: the resource sent the traffic to edge.resource; from: it received it from there",
    }),
    resource: z
      .union([ObjectReferenceSchema, z.strictObject({})])
      .nullable()
      .meta({
        description:
          "the peer; null for a resource's own metrics; {} for a split's backend (the spec's form)",
      }),
    side: z.enum(["client", "server"]).optional().meta({
      description:
        "v1alpha2 only: whose proxy observed the numbers; the client's include requests that never reached the server",
    }),
  })
  .meta({ description: "For a resource's own metrics {direction: from, resource: null}" });

export const TrafficMetricsSchema = z
  .strictObject({
    kind: z.literal("TrafficMetrics"),
    apiVersion: z.enum(GROUP_VERSIONS),
    metadata: TrafficMetricsMetadataSchema.meta({
      description: "name and namespace of the resource; creationTimestamp is the end of the window",
    }),
    timestamp: TimestampSchema.meta({ description: "end of the window" }),
    window: z.string().meta({ description: "length of the window, as Prometheus prints it", example: "30s" }),
    resource: ObjectReferenceSchema.meta({ description: "the resource the numbers are about" }),
    edge: EdgeSchema.meta({
      description: "which traffic: all the resource received, or one edge to or from a peer",
    }),
    backend: BackendSchema.optional(),
    metrics: z.array(z.union([LatencyMetricSchema, CountMetricSchema, ShareMetricSchema])).meta({
      description:
        "p99_response_latency, p90_response_latency, p50_response_latency (unit ms, null without traffic), success_count and failure_count; traffic_share for a split's backend",
    }),
  })
  .meta({ description: "Traffic one resource served, or one edge carried, over a window" });
export type TrafficMetrics = z.infer<typeof TrafficMetricsSchema>;

export const TrafficMetricsListSchema = z
  .strictObject({
    kind: z.literal("TrafficMetricsList"),
    apiVersion: z.enum(GROUP_VERSIONS),
    metadata: z.strictObject({
      selfLink: z.string(),
      continue: z.string().optional().meta({ description: "send as ?continue= for the next page" }),
      remainingItemCount: z.int().min(0).optional(),
    }),
    resource: z
      .strictObject({ kind: z.string(), namespace: z.string().optional(), name: z.string().optional() })
      .meta({ description: "the kind (and namespace) listed, or for edges the resource itself" }),
    items: z.array(TrafficMetricsSchema),
  })
  .meta({ description: "Every resource of a kind, or every edge of one resource" });
export type TrafficMetricsList = z.infer<typeof TrafficMetricsListSchema>;

/** One point of a range answer: the window ending at `timestamp`, with an instant answer's metrics. */
const SeriesPointSchema = z
  .strictObject({
    timestamp: TimestampSchema.meta({ description: "end of this point's window" }),
    metrics: z.array(z.union([LatencyMetricSchema, CountMetricSchema, ShareMetricSchema])).meta({
      description:
        'as a TrafficMetrics\' metrics at this point: counts "0" and latencies null where nothing was observed',
    }),
  })
  .meta({ description: "One point of a series" });

/** The range of a series answer, as the caller asked for it. */
const RangeFieldsSchema = {
  window: z
    .string()
    .meta({ description: "length of each point's window, as Prometheus prints it", example: "5m" }),
  start: TimestampSchema.meta({ description: "the first point" }),
  end: TimestampSchema.meta({ description: "the range's end: the last point is at or before it" }),
  step: z.string().meta({ description: "time between points, as Prometheus prints it", example: "5m" }),
};

export const TrafficMetricsSeriesSchema = z
  .strictObject({
    kind: z.literal("TrafficMetricsSeries"),
    apiVersion: z.literal(`${API_GROUP}/v1alpha2`),
    metadata: TrafficMetricsMetadataSchema.meta({
      description: "name and namespace of the resource; creationTimestamp is the end of the range",
    }),
    ...RangeFieldsSchema,
    resource: ObjectReferenceSchema.meta({ description: "the resource the numbers are about" }),
    edge: EdgeSchema,
    backend: BackendSchema.optional(),
    points: z.array(SeriesPointSchema).meta({ description: "every point from start to end, every step" }),
  })
  .meta({
    description:
      "An extension kind: how one resource's traffic (or one edge's, or one split backend's) moved over a range, a TrafficMetrics per point",
  });
export type TrafficMetricsSeries = z.infer<typeof TrafficMetricsSeriesSchema>;

export const TrafficMetricsSeriesListSchema = z
  .strictObject({
    kind: z.literal("TrafficMetricsSeriesList"),
    apiVersion: z.literal(`${API_GROUP}/v1alpha2`),
    metadata: z.strictObject({
      selfLink: z.string(),
      continue: z.string().optional().meta({ description: "send as ?continue= for the next page" }),
      remainingItemCount: z.int().min(0).optional(),
    }),
    ...RangeFieldsSchema,
    resource: z
      .strictObject({ kind: z.string(), namespace: z.string().optional(), name: z.string().optional() })
      .meta({ description: "the kind (and namespace) listed, or for edges and splits the resource itself" }),
    items: z.array(TrafficMetricsSeriesSchema),
  })
  .meta({
    description: "An extension kind: the series of every resource of a kind, every edge, or every backend",
  });
export type TrafficMetricsSeriesList = z.infer<typeof TrafficMetricsSeriesListSchema>;

/** Kubernetes `Status`: the body of every error answer. */
export const StatusSchema = z
  .strictObject({
    kind: z.literal("Status"),
    apiVersion: z.literal("v1"),
    metadata: z.strictObject({}),
    status: z.literal("Failure"),
    message: z.string().meta({ description: "what was wrong and what is accepted" }),
    reason: z.enum([
      "BadRequest",
      "Unauthorized",
      "Forbidden",
      "NotFound",
      "MethodNotAllowed",
      "NotAcceptable",
      "Expired",
      "TooManyRequests",
      "InternalError",
      "BadGateway",
      "ServiceUnavailable",
      "Timeout",
    ]),
    code: z.int().min(400).max(599),
  })
  .meta({ description: "A failed request, as the Kubernetes API reports one" });
export type Status = z.infer<typeof StatusSchema>;
