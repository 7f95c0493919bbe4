import { NotFoundError } from "../errors/request-errors";
import type { SplitKindName } from "../smi/kinds";
import { type KubernetesClient, NotServedError } from "./client";
import {
  GATEWAY_GROUP,
  HTTP_ROUTE_VERSION,
  HTTPRouteListSchema,
  HTTPRouteSchema,
  httpRouteToSplits,
} from "./http-route";
import type { ObjectRead } from "./read-action";
import type { Split, SplitSource } from "./split";
import {
  isTrafficSplitVersion,
  SPLIT_GROUP,
  TRAFFIC_SPLIT_LIST_SCHEMAS,
  TRAFFIC_SPLIT_SCHEMAS,
  TRAFFIC_SPLIT_VERSIONS,
  type TrafficSplit,
  type TrafficSplitVersion,
  trafficSplitToSplit,
} from "./traffic-split";

const RESOURCES = {
  trafficsplits: `trafficsplits.${SPLIT_GROUP}`,
  httproutes: `httproutes.${GATEWAY_GROUP}`,
} as const satisfies Record<SplitKindName, string>;

/**
 * Splits declared in a Kubernetes cluster: SMI TrafficSplits, read at whichever version the
 * cluster prefers (discovered, and cached by the client), and HTTPRoutes with a Service parent.
 */
export class KubernetesSplitSource implements SplitSource {
  readonly kinds = ["trafficsplits", "httproutes"] as const;
  constructor(readonly client: KubernetesClient) {}

  async list(kind: SplitKindName, namespace: string | undefined): Promise<readonly Split[]> {
    const action: ObjectRead = { verb: "list", resource: RESOURCES[kind], namespace };
    if (kind === "trafficsplits") {
      const items = await this.#atServedVersion(action, (version) =>
        this.client.list<TrafficSplit>(
          collectionPath(SPLIT_GROUP, version, "trafficsplits", namespace),
          TRAFFIC_SPLIT_LIST_SCHEMAS[version],
          { ...action, version },
        ),
      );
      return items.map(trafficSplitToSplit);
    }
    const routes = await this.client.list(
      collectionPath(GATEWAY_GROUP, HTTP_ROUTE_VERSION, "httproutes", namespace),
      HTTPRouteListSchema,
      { ...action, version: HTTP_ROUTE_VERSION },
    );
    return routes.flatMap(httpRouteToSplits);
  }

  async get(kind: SplitKindName, namespace: string, name: string): Promise<readonly Split[]> {
    const action: ObjectRead = { verb: "get", resource: RESOURCES[kind], namespace, name };
    if (kind === "trafficsplits") {
      const object = await this.#atServedVersion(action, (version) =>
        this.client.get<TrafficSplit>(
          `${collectionPath(SPLIT_GROUP, version, "trafficsplits", namespace)}/${encodeURIComponent(name)}`,
          TRAFFIC_SPLIT_SCHEMAS[version],
          { ...action, version },
        ),
      );
      return [trafficSplitToSplit(object)];
    }
    const route = await this.client.get(
      `${collectionPath(GATEWAY_GROUP, HTTP_ROUTE_VERSION, "httproutes", namespace)}/${encodeURIComponent(name)}`,
      HTTPRouteSchema,
      { ...action, version: HTTP_ROUTE_VERSION },
    );
    const splits = httpRouteToSplits(route);
    if (splits.length === 0) {
      throw new NotFoundError(
        `HTTPRoute ${namespace}/${name} splits no Service's traffic: none of its parentRefs is a Service (group "", kind Service), as a mesh (GAMMA) route's must be`,
      );
    }
    return splits;
  }

  /**
   * A read at the version discovery names. Discovery is cached in a warm container, so a 404 to
   * the path may mean the CRD no longer serves that version: the client then forgets it, and the
   * read is made once more if the cluster now names another version, so the request that noticed
   * succeeds. A missing object is not retried, and a failed second look reports the first 404.
   */
  async #atServedVersion<T>(
    action: ObjectRead,
    read: (version: TrafficSplitVersion) => Promise<T>,
  ): Promise<T> {
    const version = await this.#trafficSplitVersion(action);
    try {
      return await read(version);
    } catch (error) {
      if (!(error instanceof NotServedError)) throw error;
      const now = await this.#trafficSplitVersion(action).catch(() => version);
      if (now === version) throw error;
      return read(now);
    }
  }

  /**
   * The cluster's preferred TrafficSplit version if we read it, else the first served one we read.
   * Without discovery, the probe lists where the read itself will (RBAC may allow no wider list).
   */
  async #trafficSplitVersion(action: ObjectRead): Promise<TrafficSplitVersion> {
    const group = await this.client.apiGroup(SPLIT_GROUP, action, {
      versions: TRAFFIC_SPLIT_VERSIONS,
      path: (version) => collectionPath(SPLIT_GROUP, version, "trafficsplits", action.namespace),
    });
    if (group === undefined) {
      throw new NotFoundError(
        `the Kubernetes API does not serve ${SPLIT_GROUP}: no TrafficSplit CRD is installed (linkerd-smi installs one); splits declared as HTTPRoutes are read as httproutes`,
      );
    }
    const preferred = group.preferredVersion?.version;
    const version =
      preferred !== undefined && isTrafficSplitVersion(preferred)
        ? preferred
        : group.versions.map((v) => v.version).find(isTrafficSplitVersion);
    if (version === undefined) {
      throw new NotFoundError(
        `the Kubernetes API serves ${SPLIT_GROUP} at ${group.versions.map((v) => v.version).join(", ") || "no version"}; this API reads ${TRAFFIC_SPLIT_VERSIONS.join(", ")}`,
      );
    }
    return version;
  }
}

function collectionPath(
  group: string,
  version: string,
  plural: string,
  namespace: string | undefined,
): string {
  return namespace === undefined
    ? `apis/${group}/${version}/${plural}`
    : `apis/${group}/${version}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}
