import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

/** A request about to be sent, as the signer sees it. */
interface OutgoingRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Returns the headers that authenticate a request (Authorization, X-Amz-Date, ...). */
export type RequestSigner = (request: OutgoingRequest) => Promise<Record<string, string>>;

export interface SigV4Options {
  readonly region: string;
  /** `aps` for Amazon Managed Service for Prometheus. */
  readonly service?: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Fixed signing time, for test vectors. */
  readonly signingDate?: () => Date;
}

/**
 * AWS Signature V4 through the AWS SDK's own signer (`@smithy/signature-v4`), never a hand-written
 * one. The form body is part of the signature, as AMP requires for POSTed queries.
 */
export function sigV4Signer(options: SigV4Options): RequestSigner {
  const signer = new SignatureV4({
    service: options.service ?? "aps",
    region: options.region,
    credentials: options.credentials,
    sha256: Hash.bind(null, "sha256"),
    // AMP verifies the body through the canonical request's payload hash; the extra
    // x-amz-content-sha256 header is S3's and is not sent.
    applyChecksum: false,
  });
  return async ({ method, url, headers, body }) => {
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const request = new HttpRequest({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === "" ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query,
      headers: { ...headers, host: url.host },
      body,
    });
    const signed = await signer.sign(
      request,
      options.signingDate ? { signingDate: options.signingDate() } : {},
    );
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) {
      if (name.toLowerCase() !== "host") out[name] = value;
    }
    return out;
  };
}
