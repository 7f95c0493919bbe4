import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { BackendUnreachableError } from "../errors/backend-errors";
import type { KubernetesCredential } from "./client";

/**
 * An EKS bearer token made from the function's own AWS credentials, the way aws-iam-authenticator
 * (and `aws eks get-token`) makes it, so EKS's authenticator accepts it (its `Verify` in
 * pkg/token/token.go): a presigned STS `GetCallerIdentity` GET URL on the region's STS endpoint,
 * with the header `x-k8s-aws-id: <cluster>` among the signed headers and `X-Amz-Expires=60`
 * (ignored by STS, but authenticators up to 0.3.0 insist on it), then `k8s-aws-v1.` + the URL in
 * base64url without padding. The cluster lets STS check the signature, so a token is good for 15
 * minutes from its `X-Amz-Date`. The AWS SDK's signer does the signing.
 */
const TOKEN_PREFIX = "k8s-aws-v1.";
const CLUSTER_ID_HEADER = "x-k8s-aws-id";
/** STS accepts a presigned GetCallerIdentity for this long after X-Amz-Date, whatever X-Amz-Expires says. */
const TOKEN_LIFETIME_MS = 15 * 60_000;
const PRESIGN_EXPIRES_S = 60;

export interface EksTokenOptions {
  readonly clusterName: string;
  /** The function's region; the token names that region's STS endpoint. */
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

export interface EksToken {
  readonly token: string;
  /** Epoch ms after which the cluster refuses it: 15 minutes after signing, or when the credentials end. */
  readonly expiresAt: number;
}

/** `sts.<region>.amazonaws.com`; China regions use their partition's domain. */
function stsHost(region: string): string {
  return `sts.${region}.${region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com"}`;
}

/** Builds one token, signed at `signedAt`. */
export async function eksToken(options: EksTokenOptions, signedAt: Date): Promise<EksToken> {
  const credentials =
    typeof options.credentials === "function" ? await options.credentials() : options.credentials;
  const host = stsHost(options.region);
  const signer = new SignatureV4({
    service: "sts",
    region: options.region,
    credentials,
    sha256: Hash.bind(null, "sha256"),
  });
  const presigned = await signer.presign(
    new HttpRequest({
      method: "GET",
      protocol: "https:",
      hostname: host,
      path: "/",
      query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
      headers: { host, [CLUSTER_ID_HEADER]: options.clusterName },
    }),
    { expiresIn: PRESIGN_EXPIRES_S, signingDate: signedAt },
  );
  const query = Object.entries(presigned.query ?? {})
    .map(([key, value]) => `${rfc3986(key)}=${rfc3986(String(value))}`)
    .join("&");
  const url = `https://${host}/?${query}`;
  const lifetimeEnd = signedAt.getTime() + TOKEN_LIFETIME_MS;
  const credentialsEnd = credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
  return {
    token: `${TOKEN_PREFIX}${Buffer.from(url).toString("base64url")}`,
    expiresAt: Math.min(lifetimeEnd, credentialsEnd),
  };
}

const rfc3986 = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface EksCredentialOptions extends EksTokenOptions {
  readonly now?: () => number;
  /** A token is replaced this long before it expires, so none expires in flight. */
  readonly refreshMarginMs?: number;
}

/**
 * The token for every request of a warm container: built once, shared by concurrent callers,
 * rebuilt a margin before it expires. A credential chain that fails is a 503 naming the cause;
 * the next request tries again.
 */
export function eksCredential(options: EksCredentialOptions): KubernetesCredential {
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? 60_000;
  let fresh: EksToken | undefined;
  let pending: Promise<EksToken> | undefined;
  const build = () =>
    eksToken(options, new Date(now()))
      .then((token) => {
        fresh = token;
        return token;
      })
      .catch((cause: unknown) => {
        throw new BackendUnreachableError(
          "AWS credentials for the EKS token",
          `https://${stsHost(options.region)}/`,
          { cause, detail: cause instanceof Error ? cause.message : String(cause) },
        );
      })
      .finally(() => {
        pending = undefined;
      });
  return {
    hint: `that the function's IAM role has an EKS access entry (or aws-auth mapping) on cluster ${options.clusterName}`,
    async token() {
      if (fresh !== undefined && now() < fresh.expiresAt - margin) return fresh.token;
      pending ??= build();
      return (await pending).token;
    },
  };
}
