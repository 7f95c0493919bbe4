/**
 * The reads of the Kubernetes API TEST DOUBLE (`kubernetes-double.ts`), not Kubernetes: what the
 * double answers an authenticated GET, in the API server's order (discovery, then RBAC on the
 * request's attributes, then the lookup), paths, paging and bodies.
 */
import {
  apiGroup,
  CORE_RESOURCES,
  forbiddenBody,
  type KubernetesObject,
  NOT_FOUND_PATH,
  namespaceObject,
  notFoundObject,
  RESOURCES,
  resourceList,
  type SplitResource,
  statusBody,
} from "./kubernetes-api-bodies";

type Verb = "get" | "list";

interface RbacRule {
  readonly resource: SplitResource;
  readonly verbs: readonly Verb[];
  /** A Role's namespace; absent: a ClusterRole, every namespace and the cluster scope. */
  readonly namespace?: string;
}

export interface TokenGrant {
  /** The user the token authenticates as, e.g. `system:serviceaccount:smi:metrics-api`. */
  readonly user: string;
  /** What RBAC allows this user; absent: everything (a cluster admin). */
  readonly rules?: readonly RbacRule[];
}

/** An object as the double stores it: what the API server adds to it on create. */
export interface Stored {
  object: KubernetesObject;
  resourceVersion: number;
  uid: string;
  created: string;
}

/** A status code and the JSON body to send with it. */
export interface Answer {
  code: number;
  body: unknown;
}

/**
 * The answer to an authenticated GET: discovery is open to every user; objects are authorized
 * (403) before they are looked up (404), and served at the requested version.
 */
export function route(
  url: URL,
  grant: TokenGrant,
  served: Record<string, readonly string[]>,
  store: Map<string, Stored>,
  currentVersion: number,
): Answer {
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (url.pathname === "/api")
    return ok({ kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] });
  if (url.pathname === "/api/v1") return ok(CORE_RESOURCES);
  if (parts[0] === "api" && parts[1] === "v1" && parts[2] === "namespaces" && parts.length === 4) {
    return namespace(parts[3] as string, store);
  }
  if (parts[0] !== "apis") return notFoundPath();
  const [, group, version, ...rest] = parts;
  const groups = Object.entries(served).filter(([, versions]) => versions.length > 0);
  if (group === undefined) {
    return ok({
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: groups.map(([name, v]) => apiGroup(name, v)),
    });
  }
  const versions = served[group] ?? [];
  if (version === undefined) return versions.length === 0 ? notFoundPath() : ok(apiGroup(group, versions));
  const resources = (Object.keys(RESOURCES) as SplitResource[]).filter((r) => RESOURCES[r].group === group);
  if (rest.length === 0)
    return versions.includes(version) ? ok(resourceList(`${group}/${version}`, resources)) : notFoundPath();

  // Authorization comes before the lookup, on the request's attributes alone, as in the API server.
  const target = parseTarget(rest);
  if (target === undefined || !resources.includes(target.resource)) return notFoundPath();
  const verb: Verb = target.name === undefined ? "list" : "get";
  if (!allowed(grant, verb, target.resource, target.namespace)) {
    return { code: 403, body: forbiddenBody({ user: grant.user, verb, ...target }) };
  }
  if (!versions.includes(version)) return notFoundPath();
  const apiVersion = `${group}/${version}`;
  if (target.name !== undefined) {
    const stored = store.get(`${target.resource}/${target.namespace}/${target.name}`);
    return stored === undefined
      ? { code: 404, body: notFoundObject(target.resource, target.name) }
      : ok(asServed(stored, apiVersion));
  }
  const prefix = `${target.resource}/${target.namespace === undefined ? "" : `${target.namespace}/`}`;
  const matching = [...store.entries()]
    .filter(([key]) => key.startsWith(prefix))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return page(url, matching, apiVersion, RESOURCES[target.resource].kind, currentVersion);
}

interface Target {
  resource: SplitResource;
  namespace: string | undefined;
  name: string | undefined;
}

/** `{resource}` | `namespaces/{ns}/{resource}` | `namespaces/{ns}/{resource}/{name}`. */
function parseTarget(rest: string[]): Target | undefined {
  if (rest.length === 1) return { resource: rest[0] as SplitResource, namespace: undefined, name: undefined };
  if (rest[0] !== "namespaces" || rest.length < 3 || rest.length > 4) return undefined;
  return { resource: rest[2] as SplitResource, namespace: rest[1], name: rest[3] };
}

function allowed(
  grant: TokenGrant,
  verb: Verb,
  resource: SplitResource,
  namespace: string | undefined,
): boolean {
  if (grant.rules === undefined) return true;
  return grant.rules.some(
    (r) =>
      r.resource === resource &&
      r.verbs.includes(verb) &&
      (r.namespace === undefined || (namespace !== undefined && r.namespace === namespace)),
  );
}

/** A list page: items in key order, `continue` while more remain, as the API server encodes it. */
function page(url: URL, matching: [string, Stored][], apiVersion: string, kind: string, rv: number): Answer {
  const limit = Number(url.searchParams.get("limit") ?? "0");
  const cont = url.searchParams.get("continue");
  let start = 0;
  if (cont) {
    const decoded = decodeContinue(cont);
    if (decoded === undefined) {
      return {
        code: 400,
        body: statusBody(
          400,
          "BadRequest",
          "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        ),
      };
    }
    start = matching.findIndex(([key]) => key > decoded);
    if (start < 0) start = matching.length;
  }
  const slice = limit > 0 ? matching.slice(start, start + limit) : matching.slice(start);
  const remaining = matching.length - start - slice.length;
  const last = slice.at(-1)?.[0];
  const metadata: Record<string, unknown> = { continue: "", resourceVersion: String(rv) };
  if (remaining > 0 && last !== undefined) {
    metadata.continue = Buffer.from(
      JSON.stringify({ v: "meta.k8s.io/v1", rv, start: `${last}\u0000` }),
    ).toString("base64");
    metadata.remainingItemCount = remaining;
  }
  return ok({
    apiVersion,
    items: slice.map(([, s]) => asServed(s, apiVersion)),
    kind: `${kind}List`,
    metadata,
  });
}

function decodeContinue(token: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64").toString()) as { v?: string; start?: string };
    return parsed.v === "meta.k8s.io/v1" && typeof parsed.start === "string" ? parsed.start : undefined;
  } catch {
    return undefined;
  }
}

/** The stored object at the requested version: only `apiVersion` changes (conversion None). */
function asServed(stored: Stored, apiVersion: string): unknown {
  return {
    ...stored.object,
    apiVersion,
    metadata: {
      ...stored.object.metadata,
      creationTimestamp: stored.created,
      generation: 1,
      resourceVersion: String(stored.resourceVersion),
      uid: stored.uid,
    },
  };
}

const ok = (body: unknown): Answer => ({ code: 200, body });

function namespace(name: string, store: Map<string, Stored>): Answer {
  const exists = [...store.values()].some((s) => s.object.metadata.namespace === name);
  return exists
    ? ok(namespaceObject(name))
    : {
        code: 404,
        body: statusBody(404, "NotFound", `namespaces "${name}" not found`, { name, kind: "namespaces" }),
      };
}

const notFoundPath = (): Answer => ({ code: 404, body: NOT_FOUND_PATH });
