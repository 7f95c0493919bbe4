import { createHash, createHmac } from "node:crypto";

/**
 * The checks EKS's authenticator makes before it calls STS, as aws-iam-authenticator's
 * `tokenVerifier.Verify` (pkg/token/token.go) makes them, in its order, plus the ones STS then
 * makes: the `Version`, the credential scope, and the SigV4 signature, recomputed here from the
 * published algorithm with node:crypto, independently of the AWS SDK signer under test.
 * Returns the first rule broken, or the parsed parameters when the token passes.
 */
export type Verdict =
  | { readonly ok: true; readonly params: ReadonlyMap<string, string>; readonly url: URL }
  | { readonly ok: false; readonly error: string };

const PARAMETER_WHITELIST = new Set([
  "action",
  "version",
  "x-amz-algorithm",
  "x-amz-credential",
  "x-amz-date",
  "x-amz-expires",
  "x-amz-security-token",
  "x-amz-signature",
  "x-amz-signedheaders",
]);

export function verifyEksToken(token: string, expected: { region: string; now: Date }): Verdict {
  const fail = (error: string): Verdict => ({ ok: false, error });
  if (token.length > 4096) return fail("token is too large");
  if (!token.startsWith("k8s-aws-v1.")) return fail('token is missing expected "k8s-aws-v1." prefix');
  const encoded = token.slice("k8s-aws-v1.".length);
  // Go's base64.RawURLEncoding: URL alphabet, no padding, no stray length.
  if (!/^[A-Za-z0-9_-]*$/.test(encoded) || encoded.length % 4 === 1) return fail("illegal base64 data");
  const text = Buffer.from(encoded, "base64url").toString();
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1];
  if (scheme === undefined) return fail("missing protocol scheme");
  if (scheme !== "https") return fail("unexpected scheme");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail("malformed URL");
  }
  const global = url.host === "sts.amazonaws.com";
  if (!global && url.host !== `sts.${expected.region}.amazonaws.com`) return fail("unexpected hostname");
  if (url.pathname !== "/") return fail("unexpected path in pre-signed URL");
  const params = new Map<string, string>();
  for (const key of new Set(url.searchParams.keys())) {
    const lower = key.toLowerCase();
    if (params.has(lower)) return fail("duplicate query parameter found");
    if (!PARAMETER_WHITELIST.has(lower)) return fail("non-whitelisted query parameter");
    const values = url.searchParams.getAll(key);
    if (values.length !== 1) return fail("query parameter with multiple values not supported");
    params.set(lower, values[0] as string);
  }
  if (params.get("action") !== "GetCallerIdentity")
    return fail("unexpected action parameter in pre-signed URL");
  const signed = (params.get("x-amz-signedheaders") ?? "").split(";");
  if (!signed.some((h) => h.toLowerCase() === "x-k8s-aws-id")) {
    return fail("client did not sign the x-k8s-aws-id header in the pre-signed URL");
  }
  const expires = Number(params.get("x-amz-expires"));
  if (!Number.isInteger(expires) || expires < 0 || expires > 900)
    return fail("invalid X-Amz-Expires parameter");
  const date = params.get("x-amz-date");
  if (date === undefined) return fail("X-Amz-Date parameter must be present in pre-signed URL");
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (m === null) return fail("error parsing X-Amz-Date parameter");
  const signedAt = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  if (Number.isNaN(signedAt)) return fail("error parsing X-Amz-Date parameter");
  if (expected.now.getTime() > signedAt + 15 * 60_000) return fail("X-Amz-Date parameter is expired");
  return { ok: true, params, url };
}

/**
 * What STS computes for a presigned GET: the canonical request over every parameter but the
 * signature, the signed headers with the values the authenticator sends, and an empty payload.
 */
export function expectedSignature(
  url: URL,
  headers: Readonly<Record<string, string>>,
  secretAccessKey: string,
): string {
  const enc = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = [...url.searchParams]
    .filter(([k]) => k !== "X-Amz-Signature")
    .map(([k, v]) => [enc(k), enc(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const signedHeaders = (url.searchParams.get("X-Amz-SignedHeaders") ?? "").split(";");
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${(headers[h] ?? "").trim()}\n`).join("");
  const emptyPayload = createHash("sha256").update("").digest("hex");
  const canonicalRequest = [
    "GET",
    url.pathname,
    query,
    canonicalHeaders,
    signedHeaders.join(";"),
    emptyPayload,
  ].join("\n");
  const [, day, region, service] = (url.searchParams.get("X-Amz-Credential") ?? "").split("/");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    url.searchParams.get("X-Amz-Date"),
    scope,
    createHash("sha256").update(canonicalRequest).digest("hex"),
  ].join("\n");
  const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();
  const key = hmac(
    hmac(hmac(hmac(`AWS4${secretAccessKey}`, day ?? ""), region ?? ""), service ?? ""),
    "aws4_request",
  );
  return createHmac("sha256", key).update(stringToSign).digest("hex");
}
