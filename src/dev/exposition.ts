import protobuf from "protobufjs";
import type { BucketSpan } from "./native-histogram";

/**
 * The part of Prometheus' protobuf exposition (`io.prometheus.client`, client_model v0.3.0: the
 * version Prometheus 2.42 pins) that a scrape target of counters and histograms needs. Field
 * numbers and types are upstream's, so the wire bytes are what client_golang would send; the
 * messages and fields left out (gauges, summaries) are never sent here. A sample's own timestamp is
 * sent only by the benchmark, which serves a namespace at set instants (`bench/native-namespace.ts`).
 *
 * Encoded with protobufjs rather than by hand: zigzag `sint` fields, 64-bit varints and the
 * varint length before each family are what a hand-written writer would most likely get subtly
 * wrong, and this schema text reads line by line against upstream's `metrics.proto`.
 */
const METRICS_PROTO = `
syntax = "proto2";
package io.prometheus.client;
message LabelPair { optional string name = 1; optional string value = 2; }
enum MetricType { COUNTER = 0; GAUGE = 1; SUMMARY = 2; UNTYPED = 3; HISTOGRAM = 4; GAUGE_HISTOGRAM = 5; }
message Counter { optional double value = 1; }
message Bucket {
  optional uint64 cumulative_count = 1;
  optional double cumulative_count_float = 4;
  optional double upper_bound = 2;
}
message BucketSpan { optional sint32 offset = 1; optional uint32 length = 2; }
message Histogram {
  optional uint64 sample_count = 1;
  optional double sample_count_float = 4;
  optional double sample_sum = 2;
  repeated Bucket bucket = 3;
  optional sint32 schema = 5;
  optional double zero_threshold = 6;
  optional uint64 zero_count = 7;
  optional double zero_count_float = 8;
  repeated BucketSpan negative_span = 9;
  repeated sint64 negative_delta = 10;
  repeated double negative_count = 11;
  repeated BucketSpan positive_span = 12;
  repeated sint64 positive_delta = 13;
  repeated double positive_count = 14;
}
message Metric {
  repeated LabelPair label = 1;
  optional Counter counter = 3;
  optional Histogram histogram = 7;
  optional int64 timestamp_ms = 6;
}
message MetricFamily {
  optional string name = 1;
  optional string help = 2;
  optional MetricType type = 3;
  repeated Metric metric = 4;
}
`;

const MetricFamilyType = protobuf.parse(METRICS_PROTO).root.lookupType("io.prometheus.client.MetricFamily");

/** What Prometheus asks for and how it picks its parser: by this media type alone. */
export const PROTOBUF_CONTENT_TYPE =
  "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/** `MetricType` values used here. */
export const COUNTER = 0;
export const HISTOGRAM = 4;

/** A classic bucket: integer counts, or float ones in a float histogram. */
interface ClassicBucket {
  readonly upperBound: number;
  readonly cumulativeCount?: number;
  readonly cumulativeCountFloat?: number;
}

/**
 * A histogram as the exposition carries it (protobufjs' camelCase names). With native parts set,
 * Prometheus 2.42 stores a native histogram and drops the classic buckets; without, the buckets.
 */
export interface HistogramMessage {
  readonly sampleCount?: number;
  readonly sampleCountFloat?: number;
  readonly sampleSum: number;
  readonly bucket?: readonly ClassicBucket[];
  readonly schema?: number;
  readonly zeroThreshold?: number;
  readonly zeroCountFloat?: number;
  readonly positiveSpan?: readonly BucketSpan[];
  readonly positiveCount?: readonly number[];
}

export interface MetricMessage {
  readonly label: readonly { readonly name: string; readonly value: string }[];
  readonly counter?: { readonly value: number };
  readonly histogram?: HistogramMessage;
  /** When the sample was taken, ms since the epoch; absent, Prometheus stamps it with the scrape's time. */
  readonly timestampMs?: number;
}

export interface MetricFamilyMessage {
  readonly name: string;
  readonly type: typeof COUNTER | typeof HISTOGRAM;
  readonly metric: readonly MetricMessage[];
}

/** Families as one scrape body: each a varint length, then the message (`encoding=delimited`). */
export function encodeFamilies(families: Iterable<MetricFamilyMessage>): Uint8Array {
  const writer = protobuf.Writer.create();
  for (const family of families) MetricFamilyType.encodeDelimited(family, writer);
  return writer.finish();
}

/** The families in a scrape body, as plain objects: for tests that read what a target serves. */
export function decodeFamilies(body: Uint8Array): Record<string, unknown>[] {
  const reader = protobuf.Reader.create(body);
  const families: Record<string, unknown>[] = [];
  while (reader.pos < reader.len) {
    families.push(MetricFamilyType.toObject(MetricFamilyType.decodeDelimited(reader), { longs: Number }));
  }
  return families;
}
