import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

/** One answer as a client saw it. */
export interface Exchange {
  readonly method: string;
  /** The path as requested, without the query. */
  readonly path: string;
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is walked by key
type Doc = any;

const DOC_ID = "openapi.json";
const pointer = (...tokens: string[]) =>
  `${DOC_ID}#/${tokens.map((t) => encodeURIComponent(t.replaceAll("~", "~0").replaceAll("/", "~1"))).join("/")}`;

/** Path templates that match a path, most literal segments first, as OpenAPI prefers them. */
function templatesFor(doc: Doc, path: string): string[] {
  // The server reads a trailing slash as none, as kubectl and curl users write both.
  const segments = (path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path).split("/");
  return Object.keys(doc.paths)
    .filter((template) => {
      const want = template.split("/");
      return (
        want.length === segments.length &&
        want.every((w, i) => (w.startsWith("{") && w.endsWith("}") ? segments[i] !== "" : w === segments[i]))
      );
    })
    .sort((a, b) => literals(b) - literals(a));
}
const literals = (template: string) => template.split("/").filter((s) => !s.startsWith("{")).length;

const sameMediaType = (a: string, b: string) =>
  a.replaceAll(" ", "").toLowerCase() === b.replaceAll(" ", "").toLowerCase();

/**
 * Checks answers against an OpenAPI 3.1 document: the path and method must be described, the
 * status listed for that operation, the content type one it declares, and the body valid against
 * its schema (with ajv, JSON Schema 2020-12, formats checked).
 */
export class Contract {
  readonly #doc: Doc;
  readonly #ajv: Ajv2020;

  constructor(doc: Doc) {
    this.#doc = doc;
    this.#ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.#ajv);
    this.#ajv.addSchema(doc, DOC_ID);
  }

  /** Throws an error that says what in the exchange the document does not allow. */
  check(exchange: Exchange): void {
    const what = `${exchange.method} ${exchange.path} → ${exchange.status}`;
    const method = exchange.method.toLowerCase();
    const template = templatesFor(this.#doc, exchange.path).find((t) => this.#doc.paths[t][method]);
    if (template === undefined) {
      // A path no template describes (unknown, or malformed like `%zz//`) and a method a path
      // does not serve get a Status, which the document says of every error.
      if ([400, 404, 405].includes(exchange.status)) {
        this.#validate(what, pointer("components", "schemas", "Status"), exchange.body);
        return;
      }
      throw new Error(`${what}: the document describes no ${method} operation at this path`);
    }
    const responses = this.#doc.paths[template][method].responses;
    const code = String(exchange.status);
    let response = responses[code] ?? responses.default;
    let base = ["paths", template, method, "responses", responses[code] ? code : "default"];
    if (response === undefined)
      throw new Error(`${what}: status ${code} is not documented for ${method} ${template}`);
    if (typeof response.$ref === "string") {
      const name = (response.$ref as string).split("/").at(-1) as string;
      response = this.#doc.components.responses[name];
      base = ["components", "responses", name];
    }
    // A response documented without a body (a 304) must have none.
    if (response.content === undefined) {
      if (exchange.body === "" || exchange.body === null) return;
      throw new Error(`${what}: the document says this answer has no body, and it has one`);
    }
    const media = Object.keys(response.content ?? {}).find((m) =>
      sameMediaType(m, exchange.contentType ?? "application/json"),
    );
    if (media === undefined) {
      throw new Error(
        `${what}: content type ${exchange.contentType} is not one of ${Object.keys(response.content ?? {})}`,
      );
    }
    this.#validate(what, pointer(...base, "content", media, "schema"), exchange.body);
  }

  #validate(what: string, ref: string, body: unknown): void {
    const validate = this.#ajv.getSchema(ref);
    if (validate === undefined) throw new Error(`${what}: no schema at ${ref}`);
    if (!validate(body)) {
      throw new Error(`${what}: body does not match ${ref}: ${this.#ajv.errorsText(validate.errors)}`);
    }
  }
}
