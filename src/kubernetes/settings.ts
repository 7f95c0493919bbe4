import { readFileSync } from "node:fs";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { ConfigError } from "../errors/config-error";
import { KubernetesClient, type KubernetesCredential } from "./client";
import { eksCredential } from "./eks-token";
import { KubernetesSplitSource } from "./split-reader";

/** How to reach the cluster: `KUBERNETES_API_URL`, one credential, `KUBERNETES_CA_FILE`. */
export interface KubernetesSettings {
  readonly apiUrl: string;
  readonly credential:
    | { readonly kind: "token"; readonly token: string }
    | { readonly kind: "eks"; readonly clusterName: string; readonly region: string };
  /** Path of a PEM file holding the cluster's CA certificate(s). */
  readonly caFile?: string | undefined;
  readonly timeoutMs: number;
}

function credentialOf(
  settings: KubernetesSettings["credential"],
  awsCredentials: AwsCredentialIdentityProvider,
): KubernetesCredential {
  if (settings.kind === "token") {
    const token = settings.token;
    return { hint: "KUBERNETES_TOKEN", token: async () => token };
  }
  return eksCredential({
    clusterName: settings.clusterName,
    region: settings.region,
    credentials: awsCredentials,
  });
}

/**
 * Reads the CA once, when the handler module loads: a missing or unreadable file is a
 * configuration error at start-up, not a failure of every request.
 */
function readCa(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(
      `KUBERNETES_CA_FILE ${path} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      [],
    );
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new ConfigError(
      `KUBERNETES_CA_FILE ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
      [],
    );
  }
  return pem;
}

/**
 * The split source a deployment with `KUBERNETES_API_URL` uses. `awsCredentials` sign an EKS token
 * (`EKS_CLUSTER_NAME`); they are only asked for then.
 */
export function createKubernetesSplitSource(
  settings: KubernetesSettings,
  awsCredentials: AwsCredentialIdentityProvider,
): KubernetesSplitSource {
  return new KubernetesSplitSource(
    new KubernetesClient({
      apiUrl: settings.apiUrl,
      credential: credentialOf(settings.credential, awsCredentials),
      timeoutMs: settings.timeoutMs,
      caPem: settings.caFile === undefined ? undefined : readCa(settings.caFile),
    }),
  );
}
