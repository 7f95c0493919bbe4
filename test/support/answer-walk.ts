/**
 * Walks an api's answers (lists, single objects, edges, split backends) and checks every item
 * against the engine's own numbers for the series the mesh's references name: the answer path
 * end to end, item by item, against the reference PromQL.
 */
import { expect } from "vitest";
import type { ApiHandler } from "../../src/http/api-handler";
import { call } from "./harness";
import { KIND_PATHS, type MeshReferences, type Named } from "./mesh-references";
import {
  type Asking,
  expectNumbers,
  type HistogramForm,
  type Reference,
  referenceNumbers,
} from "./reference-promql";
import { metricsOf, warningsOf } from "./smi-assert";

export interface Walk {
  readonly api: ApiHandler;
  readonly refs: MeshReferences;
  readonly asking: Asking;
  /** The form the answers' latencies must come from. */
  readonly form: HistogramForm;
}

// biome-ignore lint/suspicious/noExplicitAny: answers are inspected field by field
type Item = any;

export const BASE = "/apis/metrics.smi-spec.io/v1alpha2";
const at = ({ window, timeS }: Asking) => `t=${window}&time=${timeS}`;

/** The object an item names, by the kind of its path. */
export const namedOf = (resource: { kind: string; namespace?: string; name: string }): Named => ({
  kind: KIND_PATHS[resource.kind] ?? resource.kind,
  ...(resource.namespace === undefined ? {} : { namespace: resource.namespace }),
  name: resource.name,
});

/** Whether an item has requests but no latency: what an answer must never give in silence. */
const latencyMissing = (item: Item) => {
  const { success, failure, p50 } = metricsOf(item);
  return (success ?? 0) + (failure ?? 0) > 0 && p50 === null;
};

/**
 * An answer's items, after checking it is a 200 that says latency is missing exactly when some
 * item has requests and no latency (each item's numbers are checked against its reference).
 */
export async function itemsOf(walk: Walk, path: string): Promise<Item[]> {
  const { status, headers, body } = await call(
    walk.api,
    `${path}${path.includes("?") ? "&" : "?"}${at(walk.asking)}`,
  );
  expect(status, `${path}: ${JSON.stringify(body)}`).toBe(200);
  const items: Item[] = body.kind === "TrafficMetricsList" ? body.items : [body];
  const missing = warningsOf(headers).filter((w) => MISSING.test(w));
  // An edges answer says it once per direction.
  expect(missing.length > 0, `${path}: ${JSON.stringify(missing)}`).toBe(items.some(latencyMissing));
  return items;
}

/** The Warning of requests without a latency histogram, naming both forms looked for. */
const MISSING =
  /requests but no latency histogram: neither \S+_bucket \(classic\) nor \S+ \(native\) has series/;

async function expectReference(walk: Walk, item: Item, ref: Reference, label: string): Promise<void> {
  expectNumbers(item, await referenceNumbers(walk.asking, ref, walk.form), label);
}

/** Where a resource's answers live: `/namespaces/{ns}/{kind}/{name}`, or `/namespaces/{name}`. */
export const pathOf = ({ kind, namespace, name }: Named) =>
  kind === "namespaces" ? `${BASE}/namespaces/${name}` : `${BASE}/namespaces/${namespace}/${kind}/${name}`;

/** Every item of `kind` across namespaces, each equal to its reference; the items listed. */
export async function checkList(walk: Walk, kind: string): Promise<Named[]> {
  const items = await itemsOf(walk, `${BASE}/${kind}`);
  await Promise.all(
    items.map((item) =>
      expectReference(
        walk,
        item,
        walk.refs.resource(namedOf(item.resource)),
        `list ${kind} ${item.resource.name}`,
      ),
    ),
  );
  return items.map((item) => namedOf(item.resource));
}

/** One resource asked alone (its own query plan), equal to its reference. */
export async function checkResource(walk: Walk, object: Named): Promise<void> {
  const [item] = await itemsOf(walk, pathOf(object));
  await expectReference(walk, item, walk.refs.resource(object), `${object.kind} ${object.name}`);
}

/** A resource's edges, both directions, each equal to its reference; how many there were. */
export async function checkEdges(walk: Walk, object: Named): Promise<number> {
  const items = await itemsOf(walk, `${pathOf(object)}/edges`);
  await Promise.all(
    items.map((item) => {
      const { direction, side, resource } = item.edge;
      const peer = namedOf(resource);
      const label = `${object.kind} ${object.name} ${direction} ${peer.name} (${side})`;
      return expectReference(walk, item, walk.refs.edge(object, direction, peer, side), label);
    }),
  );
  return items.length;
}

/** Every backend of every split of `kind` in `namespace`, equal to its reference; the backends. */
export async function checkSplits(walk: Walk, namespace: string, kind: string): Promise<string[]> {
  const items = await itemsOf(walk, `${BASE}/namespaces/${namespace}/${kind}`);
  await Promise.all(
    items.map((item) => {
      const split = `${kind}/${item.metadata.name}`;
      const ref = walk.refs.backend(split, item.backend.name, item.edge.side);
      return expectReference(walk, item, ref, `${split} ${item.backend.name}`);
    }),
  );
  return items.map((item) => `${kind}/${item.metadata.name}/${item.backend.name}`);
}
