/**
 * Reads a Kubernetes `resource.Quantity` (`"900m"`, `"1"`, `"1.5"`, `"2k"`, `"1Ki"`, `"5e2"`) as
 * apimachinery parses it, and returns its `MilliValue()`: thousandths, rounded up. SMI v1alpha1
 * TrafficSplit weights are Quantities, and Linkerd's proxy and the SMI reference server both read
 * them through `MilliValue()`, so this is the unit those weights actually mean.
 *
 * Exact: the arithmetic is on integers (`bigint`), never on binary floating point, so `"0.1"` is
 * exactly 100 thousandths. Returns `undefined` for text that is not a Quantity, for negative
 * values (no weight is negative) and for values too large for a safe integer.
 */
export function quantityMilliValue(text: string): number | undefined {
  const match = QUANTITY.exec(text.trim());
  if (match === null) return undefined;
  const [, sign, whole = "", fraction = "", suffix = ""] = match;
  if (whole === "" && fraction === "") return undefined;
  const scale = SUFFIX_SCALE[suffix] ?? exponentScale(suffix);
  if (scale === undefined) return undefined;
  const digits = BigInt(`${whole}${fraction}` || "0");
  if (sign === "-" && digits !== 0n) return undefined;
  const numerator = digits * scale.numerator * 1000n;
  const denominator = 10n ** BigInt(fraction.length) * scale.denominator;
  const milli = (numerator + denominator - 1n) / denominator;
  return milli > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(milli);
}

/** `<sign><digits>[.<digits>]<suffix>`, the grammar in apimachinery's quantity.go. */
const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|n|u|m|k|M|G|T|P|E)?$/;

interface Scale {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const power = (base: bigint, exponent: number): Scale =>
  exponent >= 0
    ? { numerator: base ** BigInt(exponent), denominator: 1n }
    : { numerator: 1n, denominator: base ** BigInt(-exponent) };

const SUFFIX_SCALE: Readonly<Record<string, Scale>> = {
  "": power(10n, 0),
  n: power(10n, -9),
  u: power(10n, -6),
  m: power(10n, -3),
  k: power(10n, 3),
  M: power(10n, 6),
  G: power(10n, 9),
  T: power(10n, 12),
  P: power(10n, 15),
  E: power(10n, 18),
  Ki: power(1024n, 1),
  Mi: power(1024n, 2),
  Gi: power(1024n, 3),
  Ti: power(1024n, 4),
  Pi: power(1024n, 5),
  Ei: power(1024n, 6),
};

/** `e3`, `E-2`: a decimal exponent, bounded so `"1e999999"` cannot allocate a huge bigint. */
function exponentScale(suffix: string): Scale | undefined {
  const exponent = Number(suffix.slice(1));
  return Number.isInteger(exponent) && Math.abs(exponent) <= 30 ? power(10n, exponent) : undefined;
}
