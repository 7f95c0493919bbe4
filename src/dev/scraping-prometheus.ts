import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkBinary, launchPrometheus, type RunningPrometheus } from "./prometheus-server";

/** The scrape job's name, on `up` and the other series Prometheus writes about each scrape. */
export const SCRAPE_JOB = "smi-target";

export interface ScrapingPrometheusOptions {
  /**
   * `host:port` of the target, served at `/metrics`; or several, scraped by the same job (one
   * serving a histogram's classic form and another its native form, as a Prometheus that keeps
   * both stores them).
   */
  readonly target: string | readonly string[];
  /**
   * A remote-write receiver (VictoriaMetrics' `/api/v1/write`) sent every sample stored, native
   * histograms included, as an operator's Prometheus in front of a long-term store sends them.
   */
  readonly remoteWrite?: string;
  /** Seconds between scrapes; 1 unless set, so a window of tens of seconds fills quickly. */
  readonly scrapeIntervalS?: number;
  /** Successful scrapes to wait for before returning; 1 unless set. */
  readonly scrapes?: number;
  /** Path to the binary; `prometheus` on PATH when absent. */
  readonly binary?: string | undefined;
  /** The port it listens on; a free one when absent. */
  readonly port?: number;
}

export interface ScrapingPrometheus extends RunningPrometheus {
  /**
   * Successful scrapes so far, of the target scraped least: each one stored every sample the
   * target served.
   */
  scrapes(): Promise<number>;
  /** Resolves once `count` scrapes of every target have succeeded; fails after `timeoutMs`. */
  waitForScrapes(count: number, timeoutMs?: number): Promise<void>;
}

/**
 * The config: the targets' own `job` and `instance` labels are honoured, and the ones Prometheus
 * would attach are dropped again, so scraped series carry the labels the writers gave them, as
 * backfilled ones do. `up` keeps both, which is how scrapes are counted. Remote write sends within
 * a second, so a receiver holds a scrape soon after Prometheus does.
 */
function scrapeConfig(targets: readonly string[], intervalS: number, remoteWrite?: string): string {
  const escaped = targets.map((t) => t.replace(/\./g, "\\\\.")).join("|");
  const sent =
    remoteWrite === undefined
      ? ""
      : `remote_write:
  - url: "${remoteWrite}"
    send_native_histograms: true
    queue_config: { batch_send_deadline: 1s }
`;
  return `global:
  scrape_interval: ${intervalS}s
  scrape_timeout: ${intervalS}s
scrape_configs:
  - job_name: ${SCRAPE_JOB}
    honor_labels: true
    static_configs:
      - targets: [${targets.map((t) => `"${t}"`).join(", ")}]
    metric_relabel_configs:
      - { source_labels: [job], regex: "${SCRAPE_JOB}", target_label: job, replacement: "" }
      - { source_labels: [instance], regex: "${escaped}", target_label: instance, replacement: "" }
${sent}`;
}

/**
 * A real Prometheus scraping a live target with `--enable-feature=native-histograms`: the only way
 * to get native histograms into 2.42, whose promtool backfills floats only. The flag also makes it
 * ask for the protobuf exposition. Data starts with the first scrape, so queries must ask about
 * times after it; it returns once `scrapes` have landed.
 */
export async function startScrapingPrometheus(
  options: ScrapingPrometheusOptions,
): Promise<ScrapingPrometheus> {
  if (options.binary !== undefined) await checkBinary(options.binary);
  const intervalS = options.scrapeIntervalS ?? 1;
  const targets = typeof options.target === "string" ? [options.target] : options.target;
  const dir = await mkdtemp(join(tmpdir(), "smi-prometheus-live-"));
  await writeFile(join(dir, "prometheus.yml"), scrapeConfig(targets, intervalS, options.remoteWrite));
  const running = await launchPrometheus(dir, { binary: options.binary, port: options.port }, [
    "--enable-feature=native-histograms",
  ]);
  const scrapes = () => successfulScrapes(running.url);
  const waitForScrapes = async (count: number, timeoutMs = count * intervalS * 1000 + 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (let done = await scrapes(); done < count; done = await scrapes()) {
      if (Date.now() > deadline)
        throw new Error(`${done} of ${count} scrapes of ${targets.join(" and ")} succeeded`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  try {
    await waitForScrapes(options.scrapes ?? 1);
  } catch (error) {
    await running.stop();
    throw error;
  }
  return { ...running, scrapes, waitForScrapes };
}

/**
 * `up` is 1 for a scrape whose every sample was stored, 0 for one that failed: its sum counts the
 * first, per target; the least of them is how far every target has got.
 */
async function successfulScrapes(url: string): Promise<number> {
  const query = `min(sum_over_time(up{job="${SCRAPE_JOB}"}[1d]))`;
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await response.json()) as { data?: { result?: { value: [number, string] }[] } };
  return Number(body.data?.result?.[0]?.value[1] ?? 0);
}
