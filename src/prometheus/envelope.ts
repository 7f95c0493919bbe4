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

export const VectorSampleSchema = z.object({
  metric: z.record(z.string(), z.string()),
  value: z.tuple([z.number(), SampleValueSchema]),
});
export type VectorSample = z.infer<typeof VectorSampleSchema>;

const VectorDataSchema = z.object({ resultType: z.literal("vector"), result: z.array(VectorSampleSchema) });
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
