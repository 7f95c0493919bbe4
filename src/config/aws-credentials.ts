import type { AwsCredentialIdentityProvider } from "@smithy/types";

/**
 * The default AWS credential chain, resolved when first needed and never bundled: only AMP (SigV4)
 * and EKS-token users load it, and the Lambda runtime ships it (the report bundle still carries
 * its own copy, through `@aws-sdk/client-lambda`). A computed specifier keeps esbuild from
 * inlining 350 KB into the api bundle.
 */
const CREDENTIAL_CHAIN = "@aws-sdk/credential-provider-node";

export function lazyDefaultCredentials(): AwsCredentialIdentityProvider {
  let provider: Promise<AwsCredentialIdentityProvider> | undefined;
  return async (options) => {
    provider ??= (
      import(CREDENTIAL_CHAIN) as Promise<typeof import("@aws-sdk/credential-provider-node")>
    ).then(({ defaultProvider }) => defaultProvider());
    return (await provider)(options);
  };
}
