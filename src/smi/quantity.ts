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
  const milli = Math.round(Math.abs(value) * 1000);
  if (milli === 0) {
    return "0";
  }
  // Counts and latencies are safe integers of thousandths: exact in plain numbers, with no BigInt
  // (five Quantities per item of a 10,000-item list).
  if (Number.isSafeInteger(milli)) {
    let m = milli;
    let exponent = -3;
    while (exponent < 18 && m % 1000 === 0) {
      m /= 1000;
      exponent += 3;
    }
    return `${value < 0 ? "-" : ""}${m}${SUFFIXES[exponent]}`;
  }
  let mantissa = BigInt(Math.sign(value) * milli);
  let exponent = -3;
  while (exponent < 18 && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exponent += 3;
  }
  return `${mantissa}${SUFFIXES[exponent]}`;
}
