import * as z from "zod";

/**
 * The parts of Kubernetes' `meta/v1` types this API reads, as the API server serializes them.
 * Objects are loose: servers add fields (managedFields, annotations, status) we do not need.
 */

export const ObjectMetaSchema = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().min(1),
  resourceVersion: z.string().optional(),
  uid: z.string().optional(),
});

/** `metadata` of a list: `continue` is empty or absent on the last page. */
const ListMetaSchema = z.looseObject({
  resourceVersion: z.string().optional(),
  continue: z.string().optional(),
  remainingItemCount: z.number().int().optional(),
});
export type ListMeta = z.infer<typeof ListMetaSchema>;

/** The body of every error answer; kept loose because some proxies answer plain text instead. */
export const StatusSchema = z.looseObject({
  kind: z.literal("Status"),
  apiVersion: z.literal("v1"),
  status: z.string().optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  code: z.number().int().optional(),
  /** For a missing object, its name and kind; absent when the path itself is not served. */
  details: z.looseObject({ name: z.string().optional() }).optional(),
});

const GroupVersionForDiscoverySchema = z.object({ groupVersion: z.string(), version: z.string() });

/**
 * `GET /apis/{group}`: the versions a group is served at, the preferred one first. The same
 * object, without `kind` and `apiVersion`, is each entry of `GET /apis`.
 */
export const APIGroupSchema = z.looseObject({
  kind: z.literal("APIGroup").optional(),
  apiVersion: z.literal("v1").optional(),
  name: z.string(),
  versions: z.array(GroupVersionForDiscoverySchema),
  preferredVersion: GroupVersionForDiscoverySchema.optional(),
});
export type APIGroup = z.infer<typeof APIGroupSchema>;

/** `GET /apis`: every group the server serves. */
export const APIGroupListSchema = z.looseObject({
  kind: z.literal("APIGroupList").optional(),
  groups: z.array(APIGroupSchema),
});

/**
 * A list object (`TrafficSplitList`, `HTTPRouteList`) around items of one schema. `kind` and
 * `metadata` are always sent by kube-apiserver but optional here: only `items` and
 * `metadata.continue` are read, and a list without `continue` is the last page.
 */
export function listSchema<T extends z.ZodType>(kind: string, item: T) {
  return z.looseObject({
    kind: z.literal(kind).optional(),
    apiVersion: z.string().optional(),
    metadata: ListMetaSchema.optional(),
    items: z.array(item),
  });
}
