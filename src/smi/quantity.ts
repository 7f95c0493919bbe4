const SUFFIXES: Record<number, string> = {
  [-3]: "m",
  0: "",
  3: "k",
  6: "M",
  9: "G",
  12: "T",
  15: "P",
  18: "E",
};

/**
 * Formats a number as Kubernetes apimachinery prints `NewMilliQuantity(m, DecimalSI)`, so Go
 * clients that decode `resource.Quantity` read back exactly what we meant. `m` is `v` in
 * thousandths, rounded to the nearest one (halves away from zero): Go's `int64(v*1000)` truncates,
 * which turns the float noise of `2970` requests computed as `2969.9999999999995` into "2969999m".
 * Callers must not pass NaN or infinities: there is no Quantity for "no data", which is why
 * latencies without traffic are `null` instead.
 */
export function formatMilliQuantity(value: number): string {
  if (!Number.isFinite(value)) {
    throw new RangeError(`no Quantity exists for ${value}`);
  }
  let mantissa = BigInt(Math.sign(value) * Math.round(Math.abs(value) * 1000));
  if (mantissa === 0n) {
    return "0";
  }
  let exponent = -3;
  while (exponent < 18 && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exponent += 3;
  }
  return `${mantissa}${SUFFIXES[exponent]}`;
}
