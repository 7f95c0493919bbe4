import { SampleItemParser } from "./sample-item";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const SPACE = 0x20;
const EMPTY = Buffer.alloc(0);
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** What may come next between the items of `result`: after `[`, after an item, after `,`. */
type Next = "item-or-end" | "comma-or-end" | "item";
/** Depth of the `result` array inside `{"data": {"result": [...]}}`; its items open one deeper. */
const RESULT_DEPTH = 3;
/** Keys are remembered only this deep: the envelope and `data` objects, never inside items. */
const KEY_DEPTH = 2;

/**
 * Reads a Prometheus query response body as it arrives, handing the items of `data.result` over in
 * batches (one `JSON.parse` per network chunk) and keeping everything else as a small "skeleton"
 * document whose `result` is `[]`.
 *
 * Why: a 10,000-pod list brings ~260,000 bucket samples, ~25 MB of JSON. Parsed whole, the text,
 * the buffers and the object tree are alive at once (~150 MB, and a heap that grows to ~450 MB
 * RSS). Read this way, only one chunk's items are alive at a time and the caller folds them as
 * they come. Items in the exact shape Prometheus writes, a vector's samples and a matrix's series,
 * are read straight from the bytes (`SampleItemParser`), one cut by a chunk's end once the next
 * completes it; anything else is delimited by a byte scan and goes through the native
 * `JSON.parse`, a chunk's run of such items at once (a general JavaScript tokenizer was 3x slower).
 *
 * Only structure is checked here (balanced brackets, strings closed); the skeleton and the items
 * are validated by the caller like any parsed body. Malformed JSON throws a `SyntaxError`.
 */
export class ResultStreamReader {
  readonly #onItems: (items: unknown[]) => void;
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** Bytes of the string being read at key depth, to learn which key opens the next container. */
  readonly #stringBytes: number[] = [];
  /** Last string closed at depths 1 and 2: the key of the value that follows it. */
  readonly #lastString: string[] = ["", "", ""];
  #inData = false;
  #inResult = false;
  /** An item cut by the end of a chunk, to be completed by the next one. */
  #carry: Buffer = EMPTY;
  /**
   * The carried item opened as an object the fast reader could not read, perhaps only for being
   * cut: it tries once more when the next chunk completes it. A range answer's series run to
   * kilobytes, so a chunk ends inside one in most chunks.
   */
  #retryCarry = false;
  readonly #skeleton: Buffer[] = [];
  #itemCount = 0;
  #nonObjectItems = false;
  /** What may come next between the items of `result`. */
  #next: Next = "item-or-end";
  /** Inside a bare number, true, false or null item. */
  #inBareItem = false;
  #started = false;
  /** The first bytes, while they may still be the start of a byte-order mark. */
  #head: Buffer = EMPTY;
  readonly #fast = new SampleItemParser();
  /** Items read from the chunk being written, handed over together when it is done. */
  #items: unknown[] = [];

  constructor(onItems: (items: unknown[]) => void) {
    this.#onItems = onItems;
  }

  /** Items handed over so far. */
  get itemCount(): number {
    return this.#itemCount;
  }

  /** True when `result` held something other than objects (a scalar's `[time, "value"]`). */
  get sawNonObjectItems(): boolean {
    return this.#nonObjectItems;
  }

  write(input: Buffer): void {
    let chunk = input;
    if (!this.#started) {
      // A byte-order mark may precede the JSON (axios' text reading dropped it): hold back the
      // first bytes until it is clear whether they are one.
      const head = this.#head.length === 0 ? chunk : Buffer.concat([this.#head, chunk]);
      if (head.length < BOM.length && BOM.subarray(0, head.length).equals(head)) {
        this.#head = Buffer.from(head);
        return;
      }
      this.#started = true;
      this.#head = EMPTY;
      chunk = head.subarray(0, BOM.length).equals(BOM) ? head.subarray(BOM.length) : head;
    }
    const resumeAt = this.#carry.length;
    const buf = resumeAt === 0 ? chunk : Buffer.concat([this.#carry, chunk]);
    this.#carry = EMPTY;
    // Where the scan goes on past a carried item read whole now; -1 when there is none.
    const readTo = this.#retryCarry ? this.#readCarried(buf) : -1;
    this.#retryCarry = false;
    // The scan runs over every byte of the body: its state lives in locals while it does.
    let depth = this.#depth;
    let inString = this.#inString;
    let escaped = this.#escaped;
    let inResult = this.#inResult;
    // A carried item starts the buffer and the batch; otherwise the first item this chunk opens.
    let itemStart = resumeAt === 0 || readTo >= 0 ? -1 : 0;
    let batchStart = itemStart;
    let batchEnd = -1;
    let skeletonFrom = inResult ? -1 : 0;
    // The last item the fast reader could not read, to try again if it is carried.
    let fastMissed = -1;

    const length = buf.length;
    for (let i = readTo >= 0 ? readTo : resumeAt; i < length; i++) {
      if (depth > RESULT_DEPTH && inResult) {
        // Inside an item, where nearly all bytes are: only strings and nesting matter.
        for (; i < length; i++) {
          const c = buf[i] as number;
          if (inString) {
            if (escaped) escaped = false;
            else if (c === BACKSLASH) escaped = true;
            else if (c === QUOTE) inString = false;
          } else if (c === QUOTE) inString = true;
          else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
          else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && --depth === RESULT_DEPTH) break;
        }
        if (i === length) break;
        batchEnd = i + 1;
        itemStart = -1;
        continue;
      }
      const c = buf[i] as number;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) {
          inString = false;
          if (depth <= KEY_DEPTH) this.#rememberString(depth);
          continue;
        }
        if (depth <= KEY_DEPTH) this.#stringBytes.push(c);
        continue;
      }
      switch (c) {
        case QUOTE:
          inString = true;
          if (depth <= KEY_DEPTH) this.#stringBytes.length = 0;
          if (inResult && depth === RESULT_DEPTH) {
            this.#itemBegins();
            this.#nonObjectItems = true;
          }
          break;
        case OPEN_OBJECT:
        case OPEN_ARRAY:
          if (inResult && depth === RESULT_DEPTH) {
            const item = c === OPEN_OBJECT ? this.#fast.parse(buf, i) : undefined;
            if (item !== undefined) {
              this.#itemBegins();
              // Items keep their order: the run of items parsed as JSON before this one goes first.
              if (batchStart >= 0 && batchEnd > batchStart) this.#emit(buf, batchStart, batchEnd);
              batchStart = -1;
              this.#items.push(item);
              i = this.#fast.end - 1;
              break;
            }
            this.#itemBegins();
            if (c !== OPEN_OBJECT) this.#nonObjectItems = true;
            else fastMissed = i;
            itemStart = i;
            if (batchStart < 0) batchStart = i;
          }
          depth++;
          if (depth === 2) this.#inData = c === OPEN_OBJECT && this.#lastString[1] === "data";
          if (
            depth === RESULT_DEPTH &&
            this.#inData &&
            c === OPEN_ARRAY &&
            this.#lastString[2] === "result"
          ) {
            inResult = true;
            this.#next = "item-or-end";
            this.#skeleton.push(Buffer.from(buf.subarray(skeletonFrom, i + 1)));
            skeletonFrom = -1;
          }
          break;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          depth--;
          if (depth < 0) throw new SyntaxError(`Unexpected "${String.fromCharCode(c)}" in JSON`);
          // Items close in the loop above; here only the result array itself can close.
          if (inResult && depth === RESULT_DEPTH - 1) {
            if (this.#next === "item") throw new SyntaxError("Unexpected ']' after ',' in JSON");
            inResult = false;
            if (batchStart >= 0 && batchEnd > batchStart) this.#emit(buf, batchStart, batchEnd);
            batchStart = -1;
            skeletonFrom = i;
          }
          break;
        default:
          if (inResult && depth === RESULT_DEPTH) this.#betweenItems(c);
      }
    }

    this.#depth = depth;
    this.#inString = inString;
    this.#escaped = escaped;
    this.#inResult = inResult;
    if (inResult) {
      if (batchStart >= 0 && batchEnd > batchStart) this.#emit(buf, batchStart, batchEnd);
      if (itemStart >= 0) this.#carry = Buffer.from(buf.subarray(itemStart));
      this.#retryCarry = itemStart >= 0 && itemStart === fastMissed;
    } else if (skeletonFrom < buf.length) {
      this.#skeleton.push(Buffer.from(buf.subarray(skeletonFrom)));
    }
    if (this.#items.length > 0) {
      const items = this.#items;
      this.#items = [];
      this.#itemCount += items.length;
      this.#onItems(items);
    }
  }

  /** The body without the result items, parsed; throws a `SyntaxError` if the body was cut short. */
  end(): unknown {
    if (this.#depth !== 0 || this.#inString) throw new SyntaxError("Unexpected end of JSON input");
    return JSON.parse(Buffer.concat(this.#skeleton).toString("utf8"));
  }

  /**
   * The carried item, read by the fast reader now that the chunk may complete it: then the scan
   * goes on past it, as after any item, at the index returned; -1 when it still cannot be read.
   */
  #readCarried(buf: Buffer): number {
    const item = this.#fast.parse(buf, 0);
    if (item === undefined) return -1;
    this.#items.push(item);
    this.#depth = RESULT_DEPTH;
    this.#inString = false;
    this.#escaped = false;
    return this.#fast.end;
  }

  /** Between items only a comma may come, and only between two items. */
  #itemBegins(): void {
    if (this.#next === "comma-or-end") throw new SyntaxError("Expected ',' between array items in JSON");
    this.#next = "comma-or-end";
  }

  #betweenItems(c: number): void {
    if (c === COMMA) {
      if (this.#next !== "comma-or-end") throw new SyntaxError("Unexpected ',' in JSON");
      this.#next = "item";
      this.#inBareItem = false;
    } else if (c === COLON) {
      throw new SyntaxError("Unexpected ':' in JSON");
    } else if (c <= SPACE) {
      this.#inBareItem = false;
    } else if (!this.#inBareItem) {
      // A bare number, true, false or null as an item: not an object.
      this.#itemBegins();
      this.#inBareItem = true;
      this.#nonObjectItems = true;
    }
  }

  /** Keys are decoded as JSON decodes them, so `"r\u0065sult"` is the `result` key too. */
  #rememberString(depth: number): void {
    if (depth >= 1)
      this.#lastString[depth] = JSON.parse(`"${Buffer.from(this.#stringBytes).toString("utf8")}"`);
  }

  #emit(buf: Buffer, start: number, end: number): void {
    const items = JSON.parse(`[${buf.toString("utf8", start, end)}]`) as unknown[];
    if (this.#items.length === 0) this.#items = items;
    else for (const item of items) this.#items.push(item);
  }
}
