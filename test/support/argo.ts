/**
 * What Argo Rollouts' `web` metric provider makes of an answer (metricproviders/webmetric and
 * utils/evaluate in Argo Rollouts): the first value its `jsonPath` selects, judged by
 * `successCondition` and `failureCondition`, into a measurement's phase.
 */
import jsep from "jsep";
import { JSONPath } from "jsonpath-plus";

/**
 * The value Argo's `jsonPath` selects: a Kubernetes JSONPath template (client-go's, whose
 * expressions are Goessner's JSONPath inside `{...}`, `$` optional), of which Argo keeps the first
 * result. Only a template that is one `{expression}` is read, the form a metric's value needs;
 * template text, `range` and `end` are refused rather than read differently. An empty template is
 * Argo's default `{$}`. Nothing selected is an error, as in Argo (the measurement's Error phase).
 */
export function webMetricValue(template: string, body: unknown): unknown {
  const match = /^\{([^{}]+)\}$/.exec(template === "" ? "{$}" : template.trim());
  if (match === null)
    throw new TypeError(`only a single {expression} jsonPath is read here; got "${template}"`);
  const expression = (match[1] as string).trim();
  const path = expression.startsWith("$")
    ? expression
    : `$${expression.startsWith("[") ? "" : "."}${expression.replace(/^\./, "")}`;
  const results = JSONPath({ path, json: body as object, wrap: true }) as unknown[];
  if (results.length === 0) throw new Error(`result of web metric produced no value for ${template}`);
  return results[0];
}

/** Argo's condition functions, over the measured `result`. */
function functions(result: unknown): Record<string, (...args: unknown[]) => unknown> {
  const isNil = () => result === null || result === undefined;
  return {
    asFloat: (v) => {
      if (typeof v === "number") return v;
      if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
      throw new TypeError(`asFloat() not supported on ${JSON.stringify(v)}`);
    },
    asInt: (v) => {
      if (typeof v === "number") return Math.trunc(v);
      if (typeof v === "string" && /^-?\d+$/.test(v)) return Number(v);
      throw new TypeError(`asInt() not supported on ${JSON.stringify(v)}`);
    },
    isNil,
    default: (_v, fallback) => (isNil() ? fallback : result),
    isNaN: (v) => Number.isNaN(v),
  };
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  ">=": (a, b) => a >= b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  "<": (a, b) => a < b,
};

/** Evaluates the `expr` subset a condition uses: literals, `result`, `nil`, calls, !, &&, ||, comparisons. */
function evaluate(node: jsep.Expression, result: unknown): unknown {
  switch (node.type) {
    case "Literal":
      return (node as jsep.Literal).value;
    case "Identifier": {
      const { name } = node as jsep.Identifier;
      if (name === "result") return result;
      if (name === "nil") return null;
      throw new TypeError(`unknown name ${name}`);
    }
    case "UnaryExpression": {
      const { operator, argument } = node as jsep.UnaryExpression;
      if (operator !== "!") throw new TypeError(`unsupported operator ${operator}`);
      return !truth(evaluate(argument, result));
    }
    case "CallExpression": {
      const { callee, arguments: args } = node as jsep.CallExpression;
      const fn = functions(result)[(callee as jsep.Identifier).name];
      if (fn === undefined) throw new TypeError(`unknown function ${(callee as jsep.Identifier).name}`);
      return fn(...args.map((a) => evaluate(a, result)));
    }
    case "BinaryExpression":
      return binary(node as jsep.BinaryExpression, result);
    default:
      throw new TypeError(`unsupported expression ${node.type}`);
  }
}

function binary({ operator, left, right }: jsep.BinaryExpression, result: unknown): unknown {
  // Short-circuit, as expr does: `!isNil(result) && asFloat(result) ...` never reads a null.
  if (operator === "&&") return truth(evaluate(left, result)) && truth(evaluate(right, result));
  if (operator === "||") return truth(evaluate(left, result)) || truth(evaluate(right, result));
  const [a, b] = [evaluate(left, result), evaluate(right, result)];
  if (operator === "==") return a === b;
  if (operator === "!=") return a !== b;
  const compare = COMPARE[operator];
  if (compare === undefined || typeof a !== "number" || typeof b !== "number")
    throw new TypeError(`cannot apply ${operator} to ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
  return compare(a, b);
}

function truth(value: unknown): boolean {
  if (typeof value !== "boolean") throw new TypeError(`expected bool, but got ${JSON.stringify(value)}`);
  return value;
}

/** A measurement's phase, as Argo's `EvaluateResult` decides it; a condition that fails to evaluate is Error. */
export function measurementPhase(
  metric: { readonly successCondition?: string; readonly failureCondition?: string },
  result: unknown,
): "Successful" | "Failed" | "Inconclusive" | "Error" {
  const judge = (condition: string | undefined) =>
    condition === undefined ? undefined : truth(evaluate(jsep(condition), result));
  let success: boolean | undefined;
  let failure: boolean | undefined;
  try {
    success = judge(metric.successCondition);
    failure = judge(metric.failureCondition);
  } catch {
    return "Error";
  }
  if (success === undefined && failure === undefined) return "Successful";
  if (failure === undefined) failure = !success;
  if (success === undefined) success = !failure;
  if (failure) return "Failed";
  return success ? "Successful" : "Inconclusive";
}
