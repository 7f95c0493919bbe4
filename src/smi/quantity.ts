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
 * Formats a number as Kubernetes apimachinery does for `NewMilliQuantity(int64(v*1000), DecimalSI)`,
 * so Go clients that decode `resource.Quantity` read back exactly what we meant. Truncation toward
 * zero matches Go's float→int64 conversion. Callers must not pass NaN or infinities: there is no
 * Quantity for "no data", which is why latencies without traffic are `null` instead.
 */
export function formatMilliQuantity(value: number): string {
  if (!Number.isFinite(value)) {
    throw new RangeError(`no Quantity exists for ${value}`);
  }
  let mantissa = BigInt(Math.trunc(value * 1000));
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
