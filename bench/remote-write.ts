/**
 * Fills a real Prometheus 2.42 through its remote-write receiver: a day of samples for thousands
 * of series in about a minute, where promtool would parse some 15 GB of OpenMetrics text (every
 * label set at every sample). A request carries each series' labels once and its samples of one
 * hour; hours go in time order, so every sample lands in order and inside the hour the head accepts
 * before its newest one, and the head is compacted into blocks as a long-running Prometheus'.
 *
 * The protobuf (`prometheus.WriteRequest`: series of labels and samples) is written by hand: three
 * messages of strings, doubles and varints. Snappy's block format allows the whole body as one
 * literal, which is what is sent: loopback does not need it smaller.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OpenMetricsBuilder } from "../src/dev/openmetrics";
import { launchPrometheus, type RunningPrometheus } from "../src/dev/prometheus-server";

/** Bytes of a varint. */
const varintLength = (n: number) => {
  let length = 1;
  for (let v = n; v >= 128; v = Math.floor(v / 128)) length++;
  return length;
};

/** Writes `n` (a non-negative integer, up to 2^53) as a varint at `at`; returns where it ends. */
function putVarint(out: Buffer, at: number, n: number): number {
  let i = at;
  let v = n;
  while (v >= 128) {
    out[i++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  out[i++] = v;
  return i;
}

/** A length-delimited field: its tag, length and bytes. */
function field(tag: number, bytes: Buffer): Buffer {
  const out = Buffer.alloc(1 + varintLength(bytes.length) + bytes.length);
  out[0] = tag;
  bytes.copy(out, putVarint(out, 1, bytes.length));
  return out;
}

/** A series' `Label` fields, sorted by name as Prometheus keeps them, `__name__` among them. */
function labelFields(labels: Readonly<Record<string, string>>): Buffer {
  const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.concat(
    sorted.map(([name, value]) =>
      field(0x0a, Buffer.concat([field(0x0a, Buffer.from(name)), field(0x12, Buffer.from(value))])),
    ),
  );
}

/** One series: its labels encoded once, its values at every step from its first. */
interface Stored {
  readonly labels: Buffer;
  readonly first: number;
  readonly values: Float64Array;
}

/** Every series of `series` at every `stepS` from `startS` to `endS`, as the backfill writes them. */
function storedSeries(series: OpenMetricsBuilder, startS: number, endS: number, stepS: number): Stored[] {
  const stored: Stored[] = [];
  for (const line of series.importLines(startS, endS, stepS)) {
    const { metric, values, timestamps } = JSON.parse(line) as {
      metric: Record<string, string>;
      values: number[];
      timestamps: number[];
    };
    const first = ((timestamps[0] ?? startS * 1000) / 1000 - startS) / stepS;
    stored.push({ labels: labelFields(metric), first, values: Float64Array.from(values) });
  }
  return stored;
}

/** The `TimeSeries` field of one series' samples with step indexes in [from, to). */
function timeSeries(
  s: Stored,
  from: number,
  to: number,
  startMs: number,
  stepMs: number,
): Buffer | undefined {
  const lo = Math.max(from, s.first);
  const hi = Math.min(to, s.first + s.values.length);
  if (lo >= hi) return undefined;
  // The newest stamp is the longest varint: room for every sample.
  const body = Buffer.alloc(s.labels.length + (hi - lo) * (12 + varintLength(startMs + (hi - 1) * stepMs)));
  s.labels.copy(body, 0);
  let at = s.labels.length;
  for (let k = lo; k < hi; k++) {
    const stamp = startMs + k * stepMs;
    body[at++] = 0x12;
    body[at++] = 10 + varintLength(stamp);
    body[at++] = 0x09;
    at = body.writeDoubleLE(s.values[k - s.first] as number, at);
    body[at++] = 0x10;
    at = putVarint(body, at, stamp);
  }
  return field(0x0a, body.subarray(0, at));
}

/** A snappy block of `data` as one literal: its length, then a literal tag with a 4-byte length. */
function snappyLiteral(data: Buffer): Buffer {
  const head = Buffer.alloc(varintLength(data.length) + 5);
  const at = putVarint(head, 0, data.length);
  head[at] = 63 << 2;
  head.writeUInt32LE(data.length - 1, at + 1);
  return Buffer.concat([head, data]);
}

async function send(url: string, parts: Buffer[]): Promise<void> {
  const response = await fetch(`${url}/api/v1/write`, {
    method: "POST",
    headers: {
      "content-type": "application/x-protobuf",
      "content-encoding": "snappy",
      "x-prometheus-remote-write-version": "0.1.0",
    },
    body: new Uint8Array(snappyLiteral(Buffer.concat(parts))),
  });
  if (response.status >= 300) throw new Error(`remote write: ${response.status} ${await response.text()}`);
}

/** Bytes of a request body: a few MB, as Prometheus' own queues send. */
const REQUEST_BYTES = 4 << 20;

/**
 * Starts a Prometheus with its remote-write receiver on and writes `series` into it, every `stepS`
 * from `startS` to `endS`, an hour at a time; returns once its head has been compacted.
 */
export async function startWrittenPrometheus(
  series: OpenMetricsBuilder,
  { startS, endS, stepS }: { startS: number; endS: number; stepS: number },
): Promise<RunningPrometheus> {
  const stored = storedSeries(series, startS, endS, stepS);
  const dir = await mkdtemp(join(tmpdir(), "smi-prometheus-written-"));
  await writeFile(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 15s\n");
  const prometheus = await launchPrometheus(dir, {}, ["--web.enable-remote-write-receiver"]);
  try {
    const steps = Math.floor((endS - startS) / stepS) + 1;
    const perHour = Math.max(1, Math.floor(3600 / stepS));
    for (let from = 0; from < steps; from += perHour) {
      let parts: Buffer[] = [];
      let bytes = 0;
      for (const s of stored) {
        const part = timeSeries(s, from, from + perHour, startS * 1000, stepS * 1000);
        if (part === undefined) continue;
        parts.push(part);
        bytes += part.length;
        if (bytes < REQUEST_BYTES) continue;
        await send(prometheus.url, parts);
        [parts, bytes] = [[], 0];
      }
      if (parts.length > 0) await send(prometheus.url, parts);
    }
    await compacted(prometheus.url);
    return prometheus;
  } catch (error) {
    await prometheus.stop();
    throw error;
  }
}

/** A gauge or counter of Prometheus' own, from its `/metrics`. */
async function ownMetric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return Number(line?.split(" ")[1] ?? Number.NaN);
}

/**
 * Waits until the head spans no more than the 3 h that make it compactable and no compaction has
 * run for 5 s: blocks are written and merged in the background, and none should run beside a timing.
 */
async function compacted(url: string): Promise<void> {
  const deadline = Date.now() + 600_000;
  let runs = -1;
  let quietSince = Date.now();
  for (;;) {
    const span =
      (await ownMetric(url, "prometheus_tsdb_head_max_time")) -
      (await ownMetric(url, "prometheus_tsdb_head_min_time"));
    const now = await ownMetric(url, "prometheus_tsdb_compactions_total");
    if (now !== runs) [runs, quietSince] = [now, Date.now()];
    if (span <= 3 * 3600_000 && Date.now() - quietSince >= 5000) return;
    if (Date.now() > deadline) throw new Error("Prometheus did not finish compacting within 10 minutes");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
