import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The real kubectl; `.ci/run` installs Debian's `kubernetes-client` where it is missing. */
const KUBECTL = "/usr/bin/kubectl";

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A kubectl bound to one server through its own kubeconfig (bearer token, as README's "Use it
 * from kubectl" writes it) and its own HOME and cache, so nothing from this machine's kubectl
 * set-up takes part.
 */
export async function kubectlFor(server: string, token: string, certificate: string) {
  const home = await mkdtemp(join(tmpdir(), "smi-kubectl-"));
  const kubeconfig = join(home, "config");
  await writeFile(
    kubeconfig,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "  - name: smi-metrics",
      `    cluster: { server: "${server}", certificate-authority-data: "${Buffer.from(certificate).toString("base64")}" }`,
      "users:",
      "  - name: smi-metrics",
      `    user: { token: "${token}" }`,
      "contexts:",
      "  - name: smi-metrics",
      "    context: { cluster: smi-metrics, user: smi-metrics }",
      "current-context: smi-metrics",
      "",
    ].join("\n"),
  );
  return (...args: string[]): Promise<KubectlResult> =>
    new Promise((resolve) => {
      execFile(
        KUBECTL,
        [...args, `--cache-dir=${join(home, "cache")}`],
        { env: { ...process.env, HOME: home, KUBECONFIG: kubeconfig }, timeout: 60_000 },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
          resolve({ code, stdout, stderr });
        },
      );
    });
}

/**
 * kubectl's human-readable table: each row's cells by header name. Columns are cut where the
 * header's names start, as kubectl's tab writer aligns them (cells may be empty).
 */
export function parseKubectlTable(text: string): Record<string, string>[] {
  const [header = "", ...lines] = text.trimEnd().split("\n");
  const starts = [...header.matchAll(/\S+/g)].map((m) => ({ name: m[0], at: m.index ?? 0 }));
  return lines.map((line) =>
    Object.fromEntries(
      starts.map(({ name, at }, i) => [name, line.slice(at, starts[i + 1]?.at ?? line.length).trim()]),
    ),
  );
}
