import type { z } from "zod";
import { BadRequestError, NotFoundError } from "../errors/request-errors";
import { NamespaceNameSchema, ResourceNameSchema } from "./k8s-name";
import { API_GROUP, API_VERSIONS, type ApiVersion, type KindName, servedKind } from "./kinds";

/** What an SMI path asks for, before any query parameters. */
export type SmiRoute =
  | { readonly type: "group" }
  | { readonly type: "resources"; readonly version: ApiVersion }
  | ObjectPath;

/** A metrics path below the version: a kind list, one object, or its edges. */
export type ObjectPath =
  | {
      readonly type: "list";
      readonly version: ApiVersion;
      readonly kind: KindName;
      readonly namespace?: string;
    }
  | ({ readonly type: "resource" } & ObjectRoute)
  | ({ readonly type: "edges" } & ObjectRoute)
  | {
      /** Every edge of every resource of a kind in a namespace: `namespaces/{ns}/{kind}/-/edges`. */
      readonly type: "kindEdges";
      readonly version: ApiVersion;
      readonly kind: KindName;
      readonly namespace: string;
    };

interface ObjectRoute {
  readonly version: ApiVersion;
  readonly kind: KindName;
  readonly namespace?: string;
  readonly name: string;
}

export const SMI_PREFIX = `/apis/${API_GROUP}`;

const PATHS =
  "{version}/{kind}, {version}/namespaces/{ns}/{kind}[/{name}[/edges]], {version}/namespaces/{ns}/{kind}/-/edges and {version}/namespaces/{name}[/edges]";

/**
 * Turns `/apis/metrics.smi-spec.io/...` into a route. Versions and kinds are checked against the
 * served set (the caller passes the mesh's kinds) and names against Kubernetes' rules, so a route
 * that comes out of here is safe to turn into PromQL.
 */
export function parseSmiPath(path: string, servedKinds: readonly KindName[]): SmiRoute {
  if (path !== SMI_PREFIX && !path.startsWith(`${SMI_PREFIX}/`)) {
    throw new NotFoundError(`no such path: ${path}; this API serves ${SMI_PREFIX}/{v1alpha1|v1alpha2}/...`);
  }
  const segments = path.slice(SMI_PREFIX.length).split("/").slice(1);
  if (segments.at(-1) === "") segments.pop();
  if (segments.length === 0) return { type: "group" };
  const [versionText, ...rest] = segments;
  const version = parseVersion(decodeSegment(versionText as string));
  if (rest.length === 0) return { type: "resources", version };
  return parseObjectPath(version, rest, servedKinds, () => notFound(path, PATHS));
}

function parseVersion(text: string): ApiVersion {
  if (!API_VERSIONS.includes(text as ApiVersion)) {
    throw new NotFoundError(
      `version "${text}" is not served; served versions are ${API_VERSIONS.join(", ")}`,
    );
  }
  return text as ApiVersion;
}

/**
 * The part of a metrics path after the version (`namespaces/{ns}/{kind}/{name}`, ...), still
 * percent-encoded. Shared by the SMI paths and `/summary/...`, so both accept the same names.
 * `unknown` builds the 404 for a path of no known shape.
 */
export function parseObjectPath(
  version: ApiVersion,
  encoded: readonly string[],
  servedKinds: readonly KindName[],
  unknown: () => NotFoundError,
): ObjectPath {
  if (encoded.length === 0 || encoded.includes("")) throw unknown();
  const rest = encoded.map(decodeSegment);
  const kind = (text: string) =>
    servedKind(
      text,
      servedKinds,
      (m) => new NotFoundError(`the server could not find the requested resource: ${m}`),
    );
  const namespace = (text: string) => validName(NamespaceNameSchema, "namespace", text);
  const name = (text: string) => validName(ResourceNameSchema, "name", text);

  const [a, b, c, d, e] = rest as [string, string, string, string, string | undefined];
  if (rest.length === 1) return { type: "list", version, kind: kind(a) };
  if (a !== "namespaces" || rest.length > 5) throw unknown();
  switch (rest.length) {
    case 2:
      return { type: "resource", version, kind: kind("namespaces"), name: namespace(b) };
    case 3:
      if (c === "edges") return { type: "edges", version, kind: kind("namespaces"), name: namespace(b) };
      return { type: "list", version, kind: namespacedKind(kind(c)), namespace: namespace(b) };
    default: {
      if (e !== undefined && e !== "edges") throw unknown();
      // "-" is no Kubernetes name: it stands for every resource of the kind.
      if (d === "-") {
        if (e === undefined) throw unknown();
        return { type: "kindEdges", version, kind: namespacedKind(kind(c)), namespace: namespace(b) };
      }
      const object = { version, kind: namespacedKind(kind(c)), namespace: namespace(b), name: name(d) };
      return e === undefined ? { type: "resource", ...object } : { type: "edges", ...object };
    }
  }
}

function namespacedKind(kind: KindName): KindName {
  if (kind === "namespaces") {
    throw new NotFoundError("namespaces are not namespaced: use /namespaces/{name} for one namespace");
  }
  return kind;
}

/** Percent-decodes one path segment; bad encoding is the caller's mistake, so a 400. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (cause) {
    throw new BadRequestError(`path segment "${segment}" is not valid percent-encoding`, { cause });
  }
}

function validName(schema: z.ZodString, what: string, text: string): string {
  const result = schema.safeParse(text);
  if (!result.success) {
    throw new BadRequestError(
      `${what} ${JSON.stringify(text)} is invalid: ${result.error.issues.map((i) => i.message).join("; ")}`,
      { issues: result.error.issues },
    );
  }
  return result.data;
}

function notFound(path: string, accepted: string): NotFoundError {
  return new NotFoundError(`no such path: ${path}; paths are ${accepted}`);
}
