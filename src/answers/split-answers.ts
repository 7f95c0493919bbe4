import type { Context } from "../config/context";
import { NotFoundError } from "../errors/request-errors";
import type { Split } from "../kubernetes/split";
import type { RequestStats } from "../metrics/request-stats";
import { explainUnobservedBackends, measureSplit } from "../metrics/splits";
import type { TimeRange } from "../metrics/time-range";
import { API_GROUP, isSplitKindName, KINDS, type ResourceRef, type SplitKindName } from "../smi/kinds";
import type { ObjectPath } from "../smi/route";
import type { TrafficMetricsList } from "../smi/schemas";
import { cutPage, type PageContext, pageMetadata, wholeList } from "./paging";
import { backendMetrics, selfLinkOf, trafficMetricsList } from "./smi-objects";

/** Where a split route's splits come from; a 404 that says why when this route cannot have any. */
function splitSourceFor(
  context: Context,
  route: ObjectPath,
): { source: NonNullable<Context["splits"]>; splitKind: SplitKindName } {
  const { version, kind } = route;
  if (route.type === "edges") {
    throw new NotFoundError(
      `${kind} have no edges: each item of ${kind}/${route.name} is already one backend's traffic`,
    );
  }
  if (version !== "v1alpha2") {
    throw new NotFoundError(
      `${kind} are served in v1alpha2 only: v1alpha1 TrafficMetrics have no backend field`,
    );
  }
  if (context.splits === undefined || !isSplitKindName(kind))
    throw new NotFoundError(`${kind} are not served here`);
  return { source: context.splits, splitKind: kind };
}

/**
 * The spec's `apex` is a Service name; one in another namespace than the split's (an HTTPRoute
 * whose parentRef names a namespace) is `name.namespace`, as DNS and TrafficSplit name it.
 */
const apexLabel = ({ apex, namespace }: Split) =>
  apex.namespace === namespace ? apex.name : `${apex.name}.${apex.namespace}`;

/**
 * The backends of one split (a `resource` path: one TrafficSplit, or an HTTPRoute with its Service
 * parents), or of every split of the kind in a namespace or in all: one item per backend, whose
 * `resource` is the split. Splits have no edges: their items are already traffic to peers.
 */
export async function splitList(
  context: Context,
  route: ObjectPath,
  range: TimeRange,
  stats: RequestStats,
  paging: PageContext,
): Promise<TrafficMetricsList> {
  const { version, kind } = route;
  const namespace = route.namespace;
  const name = route.type === "list" ? undefined : route.name;
  const { source, splitKind } = splitSourceFor(context, route);
  const all = await wholeList(context, paging, range.time, stats, async () => {
    const splits =
      name === undefined
        ? await source.list(splitKind, namespace)
        : await source.get(splitKind, namespace as string, name);
    const measured = await Promise.all(splits.map((split) => measureSplit(context, split, range, stats)));
    await explainUnobservedBackends(context, measured, range, stats);
    return measured.flatMap(({ split, backends }) => backends.map((b) => ({ split, ...b })));
  });
  const backendName = (b: (typeof all)[number]) => b.backend.subset ?? b.backend.name;
  const cut = cutPage(
    all,
    (b) => ({
      id: `${b.split.namespace}/${b.split.name}/${apexLabel(b.split)}/${backendName(b)}`,
      measurement: b.measurement,
    }),
    paging,
    range.time,
  );
  const base = `/apis/${API_GROUP}/${version}`;
  const items = cut.items.map((b) => {
    const ref: ResourceRef = { kind, namespace: b.split.namespace, name: b.split.name };
    const { weight } = b.backend;
    return backendMetrics({
      version,
      resource: ref,
      ...range,
      measurement: b.measurement,
      selfLink: selfLinkOf(version, ref),
      backend: { apex: apexLabel(b.split), name: backendName(b), weight, share: b.share, side: b.side },
    });
  });
  const list = trafficMetricsList({
    version,
    selfLink:
      name !== undefined
        ? selfLinkOf(version, { kind, namespace: namespace as string, name })
        : namespace === undefined
          ? `${base}/${kind}`
          : `${base}/namespaces/${namespace}/${kind}`,
    resource: {
      kind: KINDS[kind].kind,
      ...(namespace === undefined ? {} : { namespace }),
      ...(name === undefined ? {} : { name }),
    },
    items,
  });
  return { ...list, metadata: { ...list.metadata, ...pageMetadata(cut) } };
}
