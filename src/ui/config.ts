import type { WindowBounds } from "./range";

/**
 * How the API is locked, as the deployment says in the page's `<meta>` (src/http/ui-files.ts):
 * `open` takes anything, `token` wants its API_TOKEN (apiAuth none), `jwt` a bearer token from its
 * issuer, and `iam` SigV4 signatures, which a browser cannot make.
 */
type AuthMode = "open" | "token" | "jwt" | "iam";

/** What the page knows of the deployment before its first call. */
export interface PageConfig {
  readonly auth: AuthMode;
  readonly mesh: string;
  /** The kinds it serves in v1alpha2, splits included. */
  readonly kinds: readonly string[];
  readonly window: WindowBounds;
}

const meta = (name: string) =>
  document.querySelector(`meta[name="smi-${name}"]`)?.getAttribute("content") ?? "";

const AUTH_MODES: readonly AuthMode[] = ["open", "token", "jwt", "iam"];

/** Reads the page's `<meta>` tags; anything unreadable falls back to what asks least of the user. */
export function readConfig(): PageConfig {
  const auth = meta("auth") as AuthMode;
  const [minS, maxS] = meta("window").split(",").map(Number);
  return {
    auth: AUTH_MODES.includes(auth) ? auth : "open",
    mesh: meta("mesh"),
    kinds: meta("kinds").split(",").filter(Boolean),
    window: { minS: minS || 10, maxS: maxS || 86_400 },
  };
}

const SPLIT_KINDS = ["trafficsplits", "httproutes"];

/** The kinds the namespace, topology and workload views list: everything but splits. */
export const workloadKinds = (config: PageConfig) => config.kinds.filter((k) => !SPLIT_KINDS.includes(k));

/** The kinds the canary view reads. */
export const splitKinds = (config: PageConfig) => config.kinds.filter((k) => SPLIT_KINDS.includes(k));

/** The kind a view starts with: deployments where the mesh names them, else its first. */
export function defaultKind(config: PageConfig): string {
  const kinds = workloadKinds(config);
  return kinds.includes("deployments") ? "deployments" : (kinds.find((k) => k !== "namespaces") ?? "");
}
