import type { z } from "zod";
import { BadRequestError, NotFoundError } from "../errors";
import { NamespaceNameSchema, ResourceNameSchema } from "./k8s-name";
import { API_GROUP, API_VERSIONS, type ApiVersion, isKindName, type KindName } from "./kinds";

/** What an SMI path asks for, before any query parameters. */
export type SmiRoute =
  | { readonly type: "group" }
  | { readonly type: "resources"; readonly version: ApiVersion }
  | {
      readonly type: "list";
      readonly version: ApiVersion;
      readonly kind: KindName;
      readonly namespace?: string;
    }
  | ({ readonly type: "resource" } & ObjectRoute)
  | ({ readonly type: "edges" } & ObjectRoute);

interface ObjectRoute {
  readonly version: ApiVersion;
  readonly kind: KindName;
  readonly namespace?: string;
  readonly name: string;
}

const PREFIX = `/apis/${API_GROUP}`;

/**
 * Turns `/apis/metrics.smi-spec.io/...` into a route. Versions and kinds are checked against the
 * served set (the caller passes the mesh's kinds) and names against Kubernetes' rules, so a route
 * that comes out of here is safe to turn into PromQL.
 */
export function parseSmiPath(path: string, servedKinds: readonly KindName[]): SmiRoute {
  if (path !== PREFIX && !path.startsWith(`${PREFIX}/`)) {
    throw new NotFoundError(`no such path: ${path}; this API serves ${PREFIX}/{v1alpha1|v1alpha2}/...`);
  }
  const segments = path.slice(PREFIX.length).split("/").slice(1);
  if (segments.at(-1) === "") segments.pop();
  if (segments.length === 0) return { type: "group" };

  const [versionText, ...rest] = segments.map(decodeSegment);
  if (!API_VERSIONS.includes(versionText as ApiVersion)) {
    throw new NotFoundError(
      `version "${versionText}" is not served; served versions are ${API_VERSIONS.join(", ")}`,
    );
  }
  const version = versionText as ApiVersion;
  const kind = (text: string): KindName => {
    if (!isKindName(text) || !servedKinds.includes(text)) {
      throw new NotFoundError(
        `the server could not find the requested resource: kind "${text}" is not served; served kinds are ${servedKinds.join(", ")}`,
      );
    }
    return text;
  };
  const namespace = (text: string) => validName(NamespaceNameSchema, "namespace", text);
  const name = (text: string) => validName(ResourceNameSchema, "name", text);

  const [a, b, c, d, e, ...extra] = rest;
  if (extra.length > 0 || rest.includes("")) throw notFound(path);
  switch (rest.length) {
    case 0:
      return { type: "resources", version };
    case 1:
      return { type: "list", version, kind: kind(a as string) };
    case 2:
      if (a !== "namespaces") throw notFound(path);
      return { type: "resource", version, kind: kind("namespaces"), name: namespace(b as string) };
    case 3:
      if (a !== "namespaces") throw notFound(path);
      if (c === "edges") {
        return { type: "edges", version, kind: kind("namespaces"), name: namespace(b as string) };
      }
      return {
        type: "list",
        version,
        kind: namespacedKind(kind(c as string)),
        namespace: namespace(b as string),
      };
    case 4:
    case 5: {
      if (a !== "namespaces" || (e !== undefined && e !== "edges")) throw notFound(path);
      const object = {
        version,
        kind: namespacedKind(kind(c as string)),
        namespace: namespace(b as string),
        name: name(d as string),
      };
      return e === undefined ? { type: "resource", ...object } : { type: "edges", ...object };
    }
    default:
      throw notFound(path);
  }
}

function namespacedKind(kind: KindName): KindName {
  if (kind === "namespaces") {
    throw new NotFoundError("namespaces are not namespaced: use /namespaces/{name} for one namespace");
  }
  return kind;
}

/** Percent-decodes one path segment; bad encoding is the caller's mistake, so a 400. */
export function decodeSegment(segment: string): string {
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

function notFound(path: string): NotFoundError {
  return new NotFoundError(
    `no such path: ${path}; paths are {version}/{kind}, {version}/namespaces/{ns}/{kind}[/{name}[/edges]] and {version}/namespaces/{name}[/edges]`,
  );
}
