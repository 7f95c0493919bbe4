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
 * rejected instead of being read as 0 (`Number("")` is 0).
 */
export function parseSampleValue(text: string): number | undefined {
  const special = SPECIALS[text];
  if (special !== undefined) {
    return special;
  }
  return NUMERIC.test(text) ? Number(text) : undefined;
}

export const SampleValueSchema = z.string().transform((text, ctx) => {
  const value = parseSampleValue(text);
  if (value === undefined) {
    ctx.addIssue({ code: "custom", message: `"${text}" is not a Prometheus sample value` });
    return z.NEVER;
  }
  return value;
});

/** One sample of an instant vector, its value already read as a number. */
export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, number];
}

function isLabelSet(value: unknown): value is Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  for (const key in value) if (typeof (value as Record<string, unknown>)[key] !== "string") return false;
  return true;
}

/**
 * An instant vector's samples. Checked by a loop inside the schema rather than by a nested zod
 * schema per sample: a 10,000-pod list brings 270,000 samples, where per-sample schemas cost three
 * times the JSON parse itself (`npm run bench`). The checks are the same: a label set of strings,
 * a numeric timestamp, a sample string that reads as a number.
 */
export const VectorResultSchema = z.array(z.unknown()).transform((items, ctx): VectorSample[] => {
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as { metric?: unknown; value?: unknown } | null;
    const pair = item?.value;
    const time = Array.isArray(pair) && pair.length === 2 ? (pair[0] as unknown) : undefined;
    const text = Array.isArray(pair) && pair.length === 2 ? (pair[1] as unknown) : undefined;
    const value = typeof time === "number" && typeof text === "string" ? parseSampleValue(text) : undefined;
    if (item === null || typeof item !== "object" || !isLabelSet(item.metric) || value === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [i],
        message: 'expected {metric: {label: string}, value: [unix time, "<number>"]}',
      });
      return z.NEVER;
    }
    // Read in place: the parsed body is ours, and a copy of 270,000 samples would double its memory.
    (pair as unknown[])[1] = value;
  }
  return items as VectorSample[];
});

const VectorDataSchema = z.object({ resultType: z.literal("vector"), result: VectorResultSchema });
const OtherDataSchema = z.object({
  resultType: z.enum(["matrix", "scalar", "string"]),
  result: z.unknown(),
});

export const SuccessEnvelopeSchema = z.object({
  status: z.literal("success"),
  data: z.discriminatedUnion("resultType", [VectorDataSchema, OtherDataSchema]),
  warnings: z.array(z.string()).optional(),
  infos: z.array(z.string()).optional(),
});

export const ErrorEnvelopeSchema = z.object({
  status: z.literal("error"),
  errorType: z.string(),
  error: z.string(),
  warnings: z.array(z.string()).optional(),
});

/** Every body `/api/v1/query` may send, success or error. */
export const EnvelopeSchema = z.discriminatedUnion("status", [SuccessEnvelopeSchema, ErrorEnvelopeSchema]);
export type Envelope = z.infer<typeof EnvelopeSchema>;
