import { NotFoundError } from "../errors/request-errors";
import { type Split, type SplitSource, wholeWeights } from "../kubernetes/split";
import type { SplitKindName } from "../smi/kinds";
import type { ConsulClient, PlacedService, ServiceSplitter } from "./client";

/**
 * A Consul service-splitter as a split. Consul names services, not Kubernetes namespaces: each
 * Service is placed where consul-k8s registered it (the `k8s-namespace` meta of its catalog
 * entry); a backend not registered yet (a canary before its first pod) is placed beside the apex.
 * Weights are percentages in 0.01 steps; they become whole numbers in Consul's own 0.01% unit when
 * any is fractional (see `SplitBackend.weight`).
 */
export function serviceSplitterToSplit(
  entry: ServiceSplitter,
  namespace: string,
  placed: ReadonlyMap<string, string> = new Map(),
): Split {
  const weights = wholeWeights(
    entry.Splits.map((s) => Math.round(s.Weight * 100)),
    100,
  );
  return {
    kind: "trafficsplits",
    namespace,
    name: entry.Name,
    source: "consul service-splitter",
    apex: { namespace, name: entry.Name },
    backends: entry.Splits.map((s, i) => {
      const name = s.Service || entry.Name;
      return {
        namespace: placed.get(name) ?? namespace,
        name,
        weight: weights[i] ?? 0,
        ...(s.ServiceSubset ? { subset: s.ServiceSubset } : {}),
        ...(s.Namespace ? { consulNamespace: s.Namespace } : {}),
        ...(s.Partition ? { consulPartition: s.Partition } : {}),
      };
    }),
  };
}

/**
 * Consul's splits, served as `trafficsplits`: Consul has no HTTPRoute of its own for mesh
 * traffic. A splitter belongs to the namespace its apex is registered in; one whose apex the
 * catalog cannot place is in no namespace, so lists leave it out and a get says why.
 */
export class ConsulSplitSource implements SplitSource {
  readonly kinds = ["trafficsplits"] as const;
  constructor(readonly client: ConsulClient) {}

  async list(kind: SplitKindName, namespace: string | undefined): Promise<readonly Split[]> {
    assertTrafficSplits(kind);
    const [entries, services] = await Promise.all([this.client.serviceSplitters(), this.client.services()]);
    const placed = placement(services);
    return entries.flatMap((entry) => {
      const where = placed.get(entry.Name);
      return where === undefined || (namespace !== undefined && where !== namespace)
        ? []
        : [serviceSplitterToSplit(entry, where, placed)];
    });
  }

  async get(kind: SplitKindName, namespace: string, name: string): Promise<readonly Split[]> {
    assertTrafficSplits(kind);
    const [entry, services] = await Promise.all([this.client.serviceSplitter(name), this.client.services()]);
    if (entry === undefined) {
      throw new NotFoundError(`Consul has no service-splitter config entry for service ${name}`);
    }
    const placed = placement(services);
    const where = placed.get(name);
    if (where !== namespace) {
      throw new NotFoundError(
        `Consul's service-splitter ${name} splits service ${name}, which consul-k8s registered ${where === undefined ? "in no Kubernetes namespace (no k8s-namespace meta in the catalog)" : `in namespace ${where}, not ${namespace}`}`,
      );
    }
    return [serviceSplitterToSplit(entry, namespace, placed)];
  }
}

function placement(services: readonly PlacedService[]): ReadonlyMap<string, string> {
  return new Map(services.map((s) => [s.name, s.namespace]));
}

function assertTrafficSplits(kind: SplitKindName): void {
  if (kind !== "trafficsplits") {
    throw new NotFoundError(
      `Consul declares splits as service-splitter config entries, served as trafficsplits; it has no ${kind}`,
    );
  }
}
