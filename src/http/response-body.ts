import { gunzipSync } from "node:zlib";
import { type Coding, compress } from "./encoding";

/**
 * An answer's JSON text, and each compressed form of it once made. Copies of one answer (a burst of
 * identical requests coalesced onto it, cache hits) share one body, so each form is made once: a
 * 10,000-pod list is compressed once for 50 requests, not 50 times.
 *
 * A body kept for later (`packed`) holds only its gzip form: a 10,000-pod list is 7 MB of JSON
 * and 126 KB gzipped, and a warm container that keeps a few would otherwise hold megabytes of
 * text it will most likely send compressed.
 */
export class ResponseBody {
  #json: string | undefined;
  readonly #encoded: Map<Coding, Buffer>;
  /** Length of the JSON text, in UTF-16 code units as `String.length` counts. */
  readonly length: number;

  private constructor(json: string | undefined, length: number, encoded: Map<Coding, Buffer>) {
    this.#json = json;
    this.length = length;
    this.#encoded = encoded;
  }

  static of(json: string): ResponseBody {
    return new ResponseBody(json, json.length, new Map());
  }

  /** The JSON text, inflated again from the gzip form if this body was packed. */
  get json(): string {
    this.#json ??= gunzipSync(this.encoded("gzip")).toString("utf8");
    return this.#json;
  }

  /** The body compressed with a coding, made on first use. */
  encoded(coding: Coding): Buffer {
    let bytes = this.#encoded.get(coding);
    if (bytes === undefined) {
      bytes = compress(Buffer.from(this.json, "utf8"), coding);
      this.#encoded.set(coding, bytes);
    }
    return bytes;
  }

  /** A body that holds only the gzip form, sharing it with this one. */
  packed(): ResponseBody {
    return new ResponseBody(undefined, this.length, new Map([["gzip", this.encoded("gzip")]]));
  }

  /** Bytes this body holds: its text (two per code unit at most) and its compressed forms. */
  get heldBytes(): number {
    let bytes = this.#json === undefined ? 0 : this.#json.length * 2;
    for (const form of this.#encoded.values()) bytes += form.length;
    return bytes;
  }
}
