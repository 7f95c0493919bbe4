import * as z from "zod";

/**
 * What is wrong with a value for a percent field (the gate's `minSuccessRate`, the topology's
 * colour thresholds), or undefined when it is one: a number from 0 to 100, read as percent. A value
 * strictly between 0 and 1 is refused: in a percent field it is almost always a fraction (0.99
 * meant as 99%), and read as percent it would let nearly anything pass. 0 and 1 are read as 0% and
 * 1%. The words fit after the field's name: `minSuccessRate: <problem>`.
 */
export function percentProblem(value: number): string | undefined {
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    return `a percentage from 0 to 100; got ${value}`;
  }
  if (value > 0 && value < 1) {
    const meant = Number((value * 100).toPrecision(9));
    return `a percentage from 0 to 100, and a value between 0 and 1 is refused as a likely fraction: "${value}" is read as ${value}%; did you mean "${meant}"?`;
  }
  return undefined;
}

/** Refuses what `percentProblem` refuses, as a zod issue on the field. */
function checkPercent(value: number, context: z.RefinementCtx): void {
  const problem = percentProblem(value);
  if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
}

/** A percent field in JSON (a report spec): a number. */
export const PercentSchema = z.number().superRefine(checkPercent);

/** A percent field written as a string (Flagger's metadata, a CLI flag): a plain decimal number. */
export const PERCENT_TEXT = /^\d+(\.\d+)?$/;
export const PercentTextSchema = z
  .string()
  .regex(PERCENT_TEXT, 'a percentage from 0 to 100 written as a string, such as "99.5"')
  .transform(Number)
  .superRefine(checkPercent);
