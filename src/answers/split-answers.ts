import type { Context } from "../config/context";
import { NotFoundError } from "../errors/request-errors";
import type { Split } from "../kubernetes/split";
import type { RequestStats } from "../metrics/request-stats";
import { explainUnobservedBackends, type MeasuredSplit, measureSplit } from "../metrics/splits";
import type { TimeRange } from "../metrics/time-range";
import {
  API_GROUP,
  type ApiVersion,
  isSplitKindName,
  KINDS,
  type KindName,
  type ResourceRef,
  type SplitKindName,
} from "../smi/kinds";
import type { ObjectPath } from "../smi/route";
import { cutPage, type PageContext, pageMetadata, wholeList } from "./paging";
import { type MetricsList, type Renderer, rendererFor } from "./renderer";
import { checkSeriesSize } from "./series-limits";
import { ownTraffic, selfLinkOf } from "./smi-objects";

/** Where a split route's splits come from; a 404 that says why when this route cannot have any. */
function splitSourceFor(
  context: Context,
  route: ObjectPath,
): { source: NonNullable<Context["splits"]>; splitKind: SplitKindName } {
  const { version, kind } = route;
  if (route.type === "edges" || route.type === "kindEdges") {
    const item = route.type === "edges" ? `${kind}/${route.name}` : kind;
    throw new NotFoundError(`${kind} have no edges: each item of ${item} is already one backend's traffic`);
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

/** One backend as measured, with the split it belongs to. */
type SplitBackendRow = MeasuredSplit["backends"][number] & { readonly split: Split };

const backendName = (b: SplitBackendRow) => b.backend.subset ?? b.backend.name;

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
): Promise<MetricsList> {
  const { version, kind, namespace } = route;
  const name = route.type === "list" || route.type === "kindEdges" ? undefined : route.name;
  const all = await wholeList(context, paging, range.time, stats, () =>
    measureSplits(context, route, range, stats),
  );
  const cut = cutPage(
    all,
    (b) => ({
      id: `${b.split.namespace}/${b.split.name}/${apexLabel(b.split)}/${backendName(b)}`,
      series: b.series.map((p) => p.measurement),
    }),
    paging,
    range.time,
  );
  const base = `/apis/${API_GROUP}/${version}`;
  const render = rendererFor(version, range);
  const list = render.list({
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
    items: cut.items.map((b) => backendItem(render, version, kind, b)),
  });
  const paged = { ...list, metadata: { ...list.metadata, ...pageMetadata(cut) } };
  checkSeriesSize(paged);
  return paged;
}

/** The splits a route names, each backend measured, and why any has no traffic. */
async function measureSplits(
  context: Context,
  route: ObjectPath,
  range: TimeRange,
  stats: RequestStats,
): Promise<SplitBackendRow[]> {
  const { source, splitKind } = splitSourceFor(context, route);
  const splits =
    route.type === "resource"
      ? await source.get(splitKind, route.namespace as string, route.name)
      : await source.list(splitKind, route.namespace);
  const measured = await Promise.all(splits.map((split) => measureSplit(context, split, range, stats)));
  await explainUnobservedBackends(context, measured, range, stats);
  return measured.flatMap(({ split, backends }) => backends.map((b) => ({ split, ...b })));
}

/** One backend's item: the split is the resource, the backend says which, with its share. */
function backendItem(render: Renderer, version: ApiVersion, kind: KindName, b: SplitBackendRow) {
  const ref: ResourceRef = { kind, namespace: b.split.namespace, name: b.split.name };
  const backend = {
    apex: apexLabel(b.split),
    name: backendName(b),
    weight: b.backend.weight,
    share: b.share,
    side: b.side,
    shares: b.series.map((p) => p.share),
  };
  const measured = { measurement: b.measurement, series: b.series.map((p) => p.measurement) };
  return render.item({
    resource: ref,
    edge: ownTraffic(b.side),
    measured,
    selfLink: selfLinkOf(version, ref),
    backend,
  });
}
