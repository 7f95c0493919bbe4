import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { encodeFamilies, PROTOBUF_CONTENT_TYPE } from "./exposition";
import type { HistogramForm, ScrapeSeries } from "./scrape-series";

/** A live scrape target serving series as Prometheus' protobuf exposition. */
export interface NativeTarget {
  /** `host:port`, as a scrape config names a target. */
  readonly address: string;
  /** Where Prometheus scrapes: `/metrics`. */
  readonly url: string;
  /** When every counter was zero: counts are rate × seconds since. */
  readonly startedAt: Date;
  /**
   * How histograms are served from the next scrape on. Switching `classic` to `native` mid-run is a
   * migration: the `_bucket` series go stale and the base-name native series begins.
   */
  form: HistogramForm;
  close(): Promise<void>;
}

export interface NativeTargetOptions {
  /** `native` unless set. */
  readonly form?: HistogramForm;
}

/**
 * Serves `series` at `/metrics` on loopback, counting from now. Every scrape gets the protobuf
 * exposition whatever it accepts: a Prometheus 2.42 with `--enable-feature=native-histograms` asks
 * for it first, and one without the flag could not store native histograms anyway.
 */
export async function startNativeTarget(
  series: ScrapeSeries,
  options: NativeTargetOptions = {},
): Promise<NativeTarget> {
  const startedMs = Date.now();
  const state = { form: options.form ?? "native" };
  const server = createServer((request, response) => {
    if (request.method !== "GET" || request.url?.split("?")[0] !== "/metrics") {
      response.writeHead(404).end();
      return;
    }
    const elapsedS = Math.max(0, Date.now() - startedMs) / 1000;
    const body = encodeFamilies(series.families(elapsedS, state.form));
    response.writeHead(200, { "content-type": PROTOBUF_CONTENT_TYPE, "content-length": body.length });
    response.end(body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    address,
    url: `http://${address}/metrics`,
    startedAt: new Date(startedMs),
    get form() {
      return state.form;
    },
    set form(form: HistogramForm) {
      state.form = form;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
