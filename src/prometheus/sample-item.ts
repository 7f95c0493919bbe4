import { parseSampleValue, ReadSample, ReadSeries } from "./envelope";

const QUOTE = 0x22;
const MINUS = 0x2d;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const METRIC_OPEN = Buffer.from('{"metric":{');
const VALUE_OPEN = Buffer.from(',"value":[');
const VALUES_OPEN = Buffer.from(',"values":[');

/** Distinct strings an item parser remembers; a 10,000-pod answer has about 10,000. */
const MAX_INTERNED = 65_536;
/** Digits whose value and power of ten are both exact in a double, so one division rounds correctly. */
const MAX_EXACT_DIGITS = 15;
/** Longest value text remembered for the next point: Prometheus writes at most 24 characters (`-1.2345678901234567e-308`). */
const MAX_KEPT_VALUE_BYTES = 32;

/**
 * Reads one item of a vector or matrix result in the exact shape Prometheus writes, as fast as it
 * can: `{"metric":{"name":"value",...},"value":[1764000120,"0.5"]}` or
 * `{"metric":{...},"values":[[1764000120,"0.5"],...]}`, without whitespace, escapes or characters
 * outside ASCII. It returns the sample `readSample` would make of `JSON.parse`'s item for the same
 * bytes, or the series whose points `readSeriesPoints` would hand over; an item in any other
 * shape, one those would refuse, or one cut by the end of the buffer is left to `JSON.parse` and
 * them (undefined here).
 *
 * Why: `JSON.parse` and `readSample` of a 10,000-pod answer's 260,000 items were a third of the
 * API's own time; for a one-object range answer, `JSON.parse` of its series and reading each
 * point's value were a fifth. This reads each byte about once and, since an answer repeats the
 * same label values (a pod's name on each of its buckets), gives each repeated text one string.
 */
export class SampleItemParser {
  /** Index just past the item last read. */
  end = 0;
  readonly #strings = new Map<number, string>();
  /** The string last read at each position of an item (its keys and values, in order). */
  readonly #previous: string[] = [];
  /** The last timestamp read: its text and its value. */
  #lastTime = { text: "", value: 0 };
  /** The last value read: its text's bytes (-1 when not kept) and what it reads as. */
  readonly #lastValueText = Buffer.alloc(MAX_KEPT_VALUE_BYTES);
  #lastValueLength = -1;
  #lastValue = 0;

  /**
   * The item that starts at `start`: a vector's sample or a matrix's series; undefined when it is
   * not in the exact shape or not whole.
   */
  parse(buf: Buffer, start: number): ReadSample | ReadSeries | undefined {
    const metric = this.#metric(buf, start);
    if (metric === undefined) return undefined;
    const p = this.end;
    if (matches(buf, p, VALUE_OPEN)) return this.#sample(metric, buf, p + VALUE_OPEN.length);
    if (matches(buf, p, VALUES_OPEN)) return this.#series(metric, buf, p + VALUES_OPEN.length);
    return undefined;
  }

  /** `{"metric":{...}` at `start`: its labels; `end` is set past its closing brace. */
  #metric(buf: Buffer, start: number): Record<string, string> | undefined {
    if (!matches(buf, start, METRIC_OPEN)) return undefined;
    let p = start + METRIC_OPEN.length;
    const metric: Record<string, string> = {};
    if (buf[p] !== CLOSE_OBJECT) {
      for (let slot = 0; ; slot += 2) {
        const key = this.#string(buf, p, slot);
        if (key === undefined || key === "__proto__" || buf[this.end] !== COLON) return undefined;
        const value = this.#string(buf, this.end + 1, slot + 1);
        if (value === undefined) return undefined;
        metric[key] = value;
        p = this.end;
        if (buf[p] !== COMMA) break;
        p++;
      }
      if (buf[p] !== CLOSE_OBJECT) return undefined;
    }
    this.end = p + 1;
    return metric;
  }

  /** A vector item's `1764000120,"0.5"]}` after its `"value":[`. */
  #sample(metric: Record<string, string>, buf: Buffer, p: number): ReadSample | undefined {
    const time = this.#time(buf, p);
    if (time === undefined || buf[this.end] !== COMMA) return undefined;
    const value = this.#value(buf, this.end + 1);
    if (value === undefined) return undefined;
    const q = this.end;
    if (buf[q] !== CLOSE_ARRAY || buf[q + 1] !== CLOSE_OBJECT) return undefined;
    this.end = q + 2;
    return new ReadSample(metric, [time, value]);
  }

  /**
   * A matrix item's `[1764000120,"0.5"],...]}` after its `"values":[`: a range answer's series,
   * its points read as `readSeriesPoints` reads `JSON.parse`'s. Each point has its own timestamp,
   * so timestamps are not remembered as an instant's are.
   */
  #series(metric: Record<string, string>, buf: Buffer, start: number): ReadSeries | undefined {
    const times: number[] = [];
    const values: number[] = [];
    let p = start;
    if (buf[p] !== CLOSE_ARRAY) {
      for (;;) {
        if (buf[p] !== OPEN_ARRAY) return undefined;
        const time = this.#number(buf, p + 1);
        if (time === undefined || buf[this.end] !== COMMA) return undefined;
        const value = this.#value(buf, this.end + 1);
        if (value === undefined || buf[this.end] !== CLOSE_ARRAY) return undefined;
        times.push(time);
        values.push(value);
        p = this.end + 1;
        if (buf[p] !== COMMA) break;
        p++;
      }
      if (buf[p] !== CLOSE_ARRAY) return undefined;
    }
    if (buf[p + 1] !== CLOSE_OBJECT) return undefined;
    this.end = p + 2;
    return new ReadSeries(metric, times, values);
  }

  /** A string of printable ASCII without escapes that opens at `p`; `end` is set past its quote. */
  #string(buf: Buffer, p: number, slot: number): string | undefined {
    if (buf[p] !== QUOTE) return undefined;
    const from = p + 1;
    // Most often the same text as at this place in the item before (the same pod, the same key).
    const previous = this.#previous[slot];
    if (previous !== undefined && buf[from + previous.length] === QUOTE) {
      let k = 0;
      while (k < previous.length && previous.charCodeAt(k) === buf[from + k]) k++;
      if (k === previous.length) {
        this.end = from + k + 1;
        return previous;
      }
    }
    let hash = 0x811c9dc5;
    let i = from;
    for (; ; i++) {
      const c = buf[i];
      if (c === QUOTE) break;
      // Past the end (undefined), a control character, an escape or a byte outside ASCII.
      if (c === undefined || c < 0x20 || c === BACKSLASH || c > 0x7e) return undefined;
      hash = Math.imul(hash ^ c, 0x01000193);
    }
    this.end = i + 1;
    const length = i - from;
    const known = this.#strings.get(hash);
    if (known !== undefined && known.length === length) {
      let same = true;
      for (let k = 0; k < length; k++) {
        if (known.charCodeAt(k) !== buf[from + k]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.#previous[slot] = known;
        return known;
      }
    }
    const text = buf.toString("latin1", from, i);
    if (this.#strings.size >= MAX_INTERNED) this.#strings.clear();
    this.#strings.set(hash, text);
    this.#previous[slot] = text;
    return text;
  }

  /**
   * A sample value's text (`"0.85"`), read by `#readValue`. The value before is remembered, as
   * bytes of its own (a caller may reuse its buffer): a series' points often repeat one value (a
   * histogram's low and high buckets), and reading a 17-digit value is a string and a `Number`.
   */
  #value(buf: Buffer, p: number): number | undefined {
    if (buf[p] !== QUOTE) return undefined;
    const from = p + 1;
    const length = this.#lastValueLength;
    if (length >= 0 && buf[from + length] === QUOTE) {
      const last = this.#lastValueText;
      let k = 0;
      while (k < length && last[k] === buf[from + k]) k++;
      if (k === length) {
        this.end = from + length + 1;
        return this.#lastValue;
      }
    }
    const value = this.#readValue(buf, from);
    const read = this.end - 1 - from;
    if (value === undefined || read > this.#lastValueText.length) this.#lastValueLength = -1;
    else {
      buf.copy(this.#lastValueText, 0, from, from + read);
      this.#lastValueLength = read;
      this.#lastValue = value;
    }
    return value;
  }

  /**
   * A sample value's text after its opening quote, read as `parseSampleValue` reads it: a plain
   * decimal by `Number` without the checks it has passed here (one of up to 15 digits by
   * arithmetic, exact as in `#number`), anything else through it.
   */
  #readValue(buf: Buffer, from: number): number | undefined {
    let i = from;
    let plain = true;
    let digits = 0;
    let mantissa = 0;
    let fraction = -1;
    for (; ; i++) {
      const c = buf[i];
      if (c === QUOTE) break;
      if (c === undefined || c < 0x20 || c === BACKSLASH || c > 0x7e) return undefined;
      if (c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        if (fraction >= 0) fraction++;
      } else if (c === DOT && fraction < 0) fraction = 0;
      else if (!(c === MINUS && i === from)) plain = false;
    }
    this.end = i + 1;
    const sign = buf[from] === MINUS ? 1 : 0;
    if (plain && digits > 0 && fraction !== 0 && buf[from + sign] !== DOT) {
      if (digits > MAX_EXACT_DIGITS) return Number(buf.toString("latin1", from, i));
      const magnitude = fraction > 0 ? mantissa / 10 ** fraction : mantissa;
      return sign === 1 ? -magnitude : magnitude;
    }
    return parseSampleValue(buf.toString("latin1", from, i));
  }

  /**
   * A vector item's timestamp, read by `#number`: an instant query's samples all share one, so it
   * is read once.
   */
  #time(buf: Buffer, p: number): number | undefined {
    const last = this.#lastTime;
    const length = last.text.length;
    if (length > 0 && buf[p + length] === COMMA) {
      let k = 0;
      while (k < length && last.text.charCodeAt(k) === buf[p + k]) k++;
      if (k === length) {
        this.end = p + length;
        return last.value;
      }
    }
    const value = this.#number(buf, p);
    if (value !== undefined) this.#lastTime = { text: buf.toString("latin1", p, this.end), value };
    return value;
  }

  /**
   * A timestamp as Prometheus writes it (`1764000120` or `1764000120.5`), read exactly as
   * `JSON.parse` would; undefined for any other number, left to it.
   */
  #number(buf: Buffer, p: number): number | undefined {
    let i = p;
    let digits = 0;
    let mantissa = 0;
    let fraction = -1;
    for (; ; i++) {
      const c = buf[i];
      if (c !== undefined && c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        if (fraction >= 0) fraction++;
      } else if (c === DOT && fraction < 0 && digits > 0) fraction = 0;
      else break;
    }
    // A JSON number: no leading zero before more digits, at least one digit after a dot.
    if (digits === 0 || fraction === 0 || (buf[p] === ZERO && i > p + 1 && buf[p + 1] !== DOT))
      return undefined;
    this.end = i;
    if (digits > MAX_EXACT_DIGITS) return Number(buf.toString("latin1", p, i));
    return fraction > 0 ? mantissa / 10 ** fraction : mantissa;
  }
}

function matches(buf: Buffer, at: number, expected: Buffer): boolean {
  for (let k = 0; k < expected.length; k++) if (buf[at + k] !== expected[k]) return false;
  return true;
}
