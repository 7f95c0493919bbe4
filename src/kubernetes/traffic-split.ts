import * as z from "zod";
import { type ListMeta, listSchema, ObjectMetaSchema } from "./meta";
import { quantityMilliValue } from "./quantity";
import { type Split, wholeWeights } from "./split";

/**
 * SMI `TrafficSplit` (`split.smi-spec.io`), v1alpha1 to v1alpha4, as smi-sdk-go defines them:
 * - every version names the apex `spec.service` and each backend `service` (no `apex` field);
 * - v1alpha1 `weight` is a `resource.Quantity` (`"900m"`, `1`), later versions an int;
 * - v1alpha3 and v1alpha4 add `spec.matches` (HTTPRouteGroup references), which restrict which
 *   requests are split; the weights still say how the matched ones are shared.
 *
 * One weight schema serves every version, because the API server does not convert CRD objects
 * (`conversion: None` in linkerd-smi's CRD, which stores v1alpha1 and prefers v1alpha2): an object
 * written as v1alpha1 with `"500m"` comes back with `"500m"` when read at v1alpha2.
 */
export const SPLIT_GROUP = "split.smi-spec.io";
export const TRAFFIC_SPLIT_VERSIONS = ["v1alpha4", "v1alpha3", "v1alpha2", "v1alpha1"] as const;
export type TrafficSplitVersion = (typeof TRAFFIC_SPLIT_VERSIONS)[number];

/** A weight as an integer count of thousandths (`MilliValue()`), from a number or a Quantity string. */
const SplitWeightSchema = z.union([z.number(), z.string()]).transform((raw, ctx) => {
  const milli = quantityMilliValue(String(raw));
  if (milli === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `weight ${JSON.stringify(raw)} is not a non-negative Kubernetes quantity such as 90 or "900m"`,
    });
    return z.NEVER;
  }
  return milli;
});

const BackendSchema = z.looseObject({ service: z.string().min(1), weight: SplitWeightSchema });

const MatchSchema = z.looseObject({ kind: z.string(), name: z.string(), apiGroup: z.string().optional() });

function trafficSplitSchema<V extends TrafficSplitVersion>(version: V) {
  const hasMatches = version === "v1alpha3" || version === "v1alpha4";
  return z.looseObject({
    apiVersion: z.literal(`${SPLIT_GROUP}/${version}` as `${typeof SPLIT_GROUP}/${V}`),
    kind: z.literal("TrafficSplit"),
    metadata: ObjectMetaSchema,
    spec: z.looseObject({
      service: z.string().min(1),
      backends: z.array(BackendSchema),
      ...(hasMatches ? { matches: z.array(MatchSchema).optional() } : {}),
    }),
  });
}

const TrafficSplitV1alpha1Schema = trafficSplitSchema("v1alpha1");
const TrafficSplitV1alpha2Schema = trafficSplitSchema("v1alpha2");
const TrafficSplitV1alpha3Schema = trafficSplitSchema("v1alpha3");
const TrafficSplitV1alpha4Schema = trafficSplitSchema("v1alpha4");

export type TrafficSplit =
  | z.infer<typeof TrafficSplitV1alpha1Schema>
  | z.infer<typeof TrafficSplitV1alpha2Schema>
  | z.infer<typeof TrafficSplitV1alpha3Schema>
  | z.infer<typeof TrafficSplitV1alpha4Schema>;

export const TRAFFIC_SPLIT_SCHEMAS: Readonly<Record<TrafficSplitVersion, z.ZodType<TrafficSplit>>> = {
  v1alpha1: TrafficSplitV1alpha1Schema,
  v1alpha2: TrafficSplitV1alpha2Schema,
  v1alpha3: TrafficSplitV1alpha3Schema,
  v1alpha4: TrafficSplitV1alpha4Schema,
};

const TrafficSplitListV1alpha1Schema = listSchema("TrafficSplitList", TrafficSplitV1alpha1Schema);
const TrafficSplitListV1alpha2Schema = listSchema("TrafficSplitList", TrafficSplitV1alpha2Schema);
const TrafficSplitListV1alpha3Schema = listSchema("TrafficSplitList", TrafficSplitV1alpha3Schema);
const TrafficSplitListV1alpha4Schema = listSchema("TrafficSplitList", TrafficSplitV1alpha4Schema);
export interface TrafficSplitList {
  metadata?: ListMeta | undefined;
  items: TrafficSplit[];
}

export const TRAFFIC_SPLIT_LIST_SCHEMAS: Readonly<Record<TrafficSplitVersion, z.ZodType<TrafficSplitList>>> =
  {
    v1alpha1: TrafficSplitListV1alpha1Schema,
    v1alpha2: TrafficSplitListV1alpha2Schema,
    v1alpha3: TrafficSplitListV1alpha3Schema,
    v1alpha4: TrafficSplitListV1alpha4Schema,
  };

export function isTrafficSplitVersion(value: string): value is TrafficSplitVersion {
  return (TRAFFIC_SPLIT_VERSIONS as readonly string[]).includes(value);
}

/**
 * The split a TrafficSplit declares. Backends are Services in the split's namespace. The spec
 * calls `spec.service` "the FQDN that applications will use", while implementations write the
 * short name: `web` is the split's namespace, `web.shop[.svc[.cluster.local]]` names its own.
 * A backend listed twice gets the sum of its weights, which is what it receives.
 */
export function trafficSplitToSplit(object: TrafficSplit): Split {
  const { namespace, name } = object.metadata;
  const [apexName = object.spec.service, apexNamespace = namespace] = object.spec.service.split(".");
  const milli = new Map<string, number>();
  for (const backend of object.spec.backends) {
    milli.set(backend.service, (milli.get(backend.service) ?? 0) + backend.weight);
  }
  const weights = wholeWeights([...milli.values()], 1000);
  return {
    kind: "trafficsplits",
    namespace,
    name,
    source: object.apiVersion,
    apex: { namespace: apexNamespace, name: apexName },
    backends: [...milli.keys()].map((service, i) => ({ namespace, name: service, weight: weights[i] ?? 0 })),
  };
}
