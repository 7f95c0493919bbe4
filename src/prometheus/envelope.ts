import * as z from "zod";

const SPECIALS: Record<string, number> = {
  NaN: Number.NaN,
  "+Inf": Infinity,
  "-Inf": -Infinity,
  Inf: Infinity,
};
const NUMERIC = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Prometheus sends sample values as strings, and `Number("+Inf")` is NaN in JavaScript, so the
 * specials are mapped by name. Anything that is neither a special nor a plain decimal number is
 * rejected instead of being read as 0 (`Number("")` is 0). Decimals are tried first: looking a
 * string just read off the wire up as a property name costs V8 a hash of it, four times what the
 * regular expression costs (a range answer reads millions of values).
 */
export function parseSampleValue(text: string): number | undefined {
  if (NUMERIC.test(text)) return Number(text);
  return Object.hasOwn(SPECIALS, text) ? SPECIALS[text] : undefined;
}

/** One sample of an instant vector, its value already read as a number. */
export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, number];
}

/**
 * A sample read straight from the bytes by `SampleItemParser`, already checked: `readSample` takes
 * it as it is. A parsed JSON item is never an instance of a class, so none can pass for one.
 */
export class ReadSample implements VectorSample {
  constructor(
    readonly metric: Readonly<Record<string, string>>,
    readonly value: readonly [number, number],
  ) {}
}

/**
 * A series read straight from the bytes by `SampleItemParser`, every point already checked:
 * `readSeriesPoints` hands its points over as they are. Like `ReadSample`, no parsed JSON item
 * can pass for one.
 */
export class ReadSeries {
  constructor(
    readonly metric: Readonly<Record<string, string>>,
    /** Each point's timestamp, in order. */
    readonly times: readonly number[],
    /** Each point's value, as `parseSampleValue` reads it. */
    readonly values: readonly number[],
  ) {}
}

function isLabelSet(value: unknown): value is Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  for (const key in value) if (typeof (value as Record<string, unknown>)[key] !== "string") return false;
  return true;
}

/** What a vector item must look like, for error messages. */
export const SAMPLE_SHAPE = 'expected {metric: {label: string}, value: [unix time, "<number>"]}';

/**
 * Checks one item of an instant vector's `result` and reads its value as a number, in place: the
 * item is ours (just parsed), and a copy of 270,000 samples would double their memory. Undefined
 * when the item is not a sample. A loop rather than a zod schema per sample: per-sample schemas
 * cost three times the JSON parse itself on a 10,000-pod list (`npm run bench`). The checks are
 * the same: a label set of strings, a numeric timestamp, a sample string that reads as a number.
 */
export function readSample(input: unknown): VectorSample | undefined {
  if (input instanceof ReadSample) return input;
  const item = input as { metric?: unknown; value?: unknown } | null;
  const pair = item?.value;
  if (!Array.isArray(pair) || pair.length !== 2) return undefined;
  const [time, text] = pair as unknown[];
  const value = typeof time === "number" && typeof text === "string" ? parseSampleValue(text) : undefined;
  if (typeof item !== "object" || item === null || !isLabelSet(item.metric) || value === undefined) {
    return undefined;
  }
  pair[1] = value;
  return item as VectorSample;
}

/** What a matrix item must look like, for error messages. */
export const SERIES_SHAPE = 'expected {metric: {label: string}, values: [[unix time, "<number>"], ...]}';

/**
 * Checks one item of a range query's matrix and hands over each of its points as a sample with
 * that point's own timestamp, the label set shared. False when the item is not a series.
 */
export function readSeriesPoints(input: unknown, deliver: (sample: VectorSample) => void): boolean {
  if (input instanceof ReadSeries) {
    const { metric, times, values } = input;
    for (let i = 0; i < times.length; i++)
      deliver({ metric, value: [times[i] as number, values[i] as number] });
    return true;
  }
  const item = input as { metric?: unknown; values?: unknown } | null;
  if (typeof item !== "object" || item === null || !isLabelSet(item.metric) || !Array.isArray(item.values))
    return false;
  const metric = item.metric;
  for (const point of item.values as unknown[]) {
    if (!Array.isArray(point) || point.length !== 2) return false;
    const [time, text] = point as unknown[];
    const value = typeof time === "number" && typeof text === "string" ? parseSampleValue(text) : undefined;
    if (value === undefined) return false;
    deliver({ metric, value: [time as number, value] });
  }
  return true;
}

/** An instant vector's samples, each checked by `readSample`. */
export const VectorResultSchema = z.array(z.unknown()).transform((items, ctx): VectorSample[] => {
  for (let i = 0; i < items.length; i++) {
    if (readSample(items[i]) === undefined) {
      ctx.addIssue({ code: "custom", path: [i], message: SAMPLE_SHAPE });
      return z.NEVER;
    }
  }
  return items as VectorSample[];
});

const VectorDataSchema = z.object({ resultType: z.literal("vector"), result: VectorResultSchema });
const OtherDataSchema = z.object({
  resultType: z.enum(["matrix", "scalar", "string"]),
  result: z.unknown(),
});

const SuccessEnvelopeSchema = z.object({
  status: z.literal("success"),
  data: z.discriminatedUnion("resultType", [VectorDataSchema, OtherDataSchema]),
  warnings: z.array(z.string()).optional(),
  infos: z.array(z.string()).optional(),
  /** VictoriaMetrics cluster: some storage nodes did not answer, so the result is short. */
  isPartial: z.boolean().optional(),
});

const ErrorEnvelopeSchema = z.object({
  status: z.literal("error"),
  errorType: z.string(),
  error: z.string(),
  warnings: z.array(z.string()).optional(),
});

/** Every body `/api/v1/query` may send, success or error. */
export const EnvelopeSchema = z.discriminatedUnion("status", [SuccessEnvelopeSchema, ErrorEnvelopeSchema]);
