import { parser } from "@prometheus-io/lezer-promql";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MeshAdapter } from "../../src/mesh/adapter";
import { createCiliumAdapter } from "../../src/mesh/cilium";
import { createConsulAdapter } from "../../src/mesh/consul";
import { createIstioAdapter } from "../../src/mesh/istio";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { quoteLabelValue } from "../../src/prometheus/promql";
import { KIND_NAMES } from "../../src/smi/kinds";
import { formatMilliQuantity } from "../../src/smi/quantity";
import { parseDurationMs } from "../../src/smi/time";
import { apiOver, httpEvent } from "../support/harness";
import { RecordingEngine } from "../support/recording-engine";

const RUNS = { numRuns: 1000 };
const PREFIX = "/apis/metrics.smi-spec.io";
const MESHES = [
  { mesh: "linkerd", adapter: () => createLinkerdAdapter() },
  { mesh: "istio", adapter: () => createIstioAdapter() },
  { mesh: "consul", adapter: () => createConsulAdapter() },
  { mesh: "cilium", adapter: () => createCiliumAdapter() },
];

/** Positions and text of every error node lezer-promql puts in the parse tree of a query. */
function promqlErrors(query: string): string[] {
  const errors: string[] = [];
  parser.parse(query).iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(`${node.from}: ${JSON.stringify(query.slice(node.from, node.from + 20))}`);
    },
  });
  return errors;
}

const LITERAL = /"((?:[^"\\]|\\.)*)"/gs;
const unquote = (body: string) => body.replace(/\\(.)/gs, (_, c: string) => ({ n: "\n", r: "\r" })[c] ?? c);
const literalsOf = (query: string) => [...query.matchAll(LITERAL)].map((m) => unquote(m[1] ?? ""));

async function request(
  adapter: () => MeshAdapter,
  method: string,
  rawPath: string,
  extra: { rawQueryString?: string; body?: string } = {},
) {
  const engine = new RecordingEngine();
  const response = await apiOver(engine, adapter())(httpEvent(method, rawPath, { rawPath, ...extra }));
  const status = response.statusCode ?? 200;
  // biome-ignore lint/suspicious/noExplicitAny: bodies are inspected field by field
  const body = JSON.parse(response.body ?? "null") as any;
  return { status, body, queries: engine.queries };
}

/** Data (200, or 412 for a failed gate), or a Kubernetes Status with a 4xx code; never a 5xx. */
function expectDataOr4xxStatus(status: number, body: { kind?: unknown; code?: unknown }, data: number[]) {
  if (data.includes(status)) {
    expect(body?.kind).not.toBe("Status");
    return;
  }
  expect(status).toBeGreaterThanOrEqual(400);
  expect(status).toBeLessThan(500);
  expect(body).toMatchObject({ kind: "Status", code: status });
}

const HOSTILE = [...'"\\{}| \n%\u2028', ".*", "..", "", 'x"} or vector(1) #', "a\\"];
const mostly = <T>(likely: fc.Arbitrary<T>, other: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: likely, weight: 3 }, { arbitrary: other, weight: 1 });
const validName = fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,12}[a-z0-9])?$/);
const validNamespace = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,12}[a-z0-9])?$/);
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom(...HOSTILE),
  fc.string({ unit: fc.constantFrom(...HOSTILE, "a", "-", ".") }),
);
const version = fc.constantFrom("v1alpha1", "v1alpha2");
const kind = fc.constantFrom(...KIND_NAMES, "trafficsplits", "Deployments");
const userSegment = (valid: fc.Arbitrary<string>) =>
  mostly(valid, anyString).map((raw) => ({ raw, segment: encodeURIComponent(raw) }));

const rawSegment = fc.oneof(
  version,
  kind,
  fc.constantFrom(
    ..."namespaces edges .. . % %zz %0A %22 %5C %7B%7D %7C %2F %C0%AF %00 %ED%A0%80".split(" "),
  ),
  fc.constantFrom("", "%E0%A4%A", ".*", "|", "{", "}", '"', "\\", "?", "#"),
  validName,
  anyString.map(encodeURIComponent),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary" }),
);
/** The five routes that name objects, with the user values each must carry into PromQL. */
const objectRoute = fc
  .tuple(version, userSegment(validNamespace), kind, userSegment(validName), fc.nat(4))
  .map(([v, ns, k, name, shape]) => {
    const routes: [string, string[]][] = [
      // An empty last segment is a trailing slash, which names the route one segment shorter.
      [`namespaces/${ns.segment}`, ns.raw === "" ? [] : [ns.raw]],
      [`namespaces/${ns.segment}/edges`, [ns.raw]],
      [`namespaces/${ns.segment}/${k}`, [ns.raw]],
      [`namespaces/${ns.segment}/${k}/${name.segment}`, name.raw === "" ? [ns.raw] : [ns.raw, name.raw]],
      // `-` in a name's place asks for every object of the kind (kind-wide edges): no name to quote.
      [
        `namespaces/${ns.segment}/${k}/${name.segment}/edges`,
        name.raw === "-" ? [ns.raw] : [ns.raw, name.raw],
      ],
    ];
    const [route, values] = routes[shape] ?? ["", []];
    return { rest: `${v}/${route}`, values };
  });
const smiPath = fc
  .tuple(
    fc.oneof(
      fc.array(rawSegment, { maxLength: 7 }).map((s) => s.join("/")),
      objectRoute.map((r) => r.rest),
    ),
    fc.boolean(),
  )
  .map(([rest, slash]) => `${PREFIX}/${rest}${slash ? "/" : ""}`);

const okDuration = fc.constantFrom("30s", "1m", "5m", "1h30m", "10s", "24h");
const okInstant = fc.constantFrom("2025-11-24T16:15:00Z", "1764000900", "1764000900.5");
const duration = fc.oneof(
  fc.constantFrom("30s", "5m", "1h30m", "10s", "24h", "25h", "9s", "0s", "-5m", "1.5m", "5M", "1m30", ""),
  fc.stringMatching(/^(\d{1,6}h)?(\d{1,6}m)?(\d{1,6}s)?(\d{1,9}ms)?$/),
);
const instant = fc.oneof(
  fc.constantFrom("2025-11-24T16:15:00Z", "1764000900", "1764000900.5", "0", "99999999999", "1e9", "now"),
  fc.constantFrom("2020-02-30T00:00:00Z", "2025-11-24T16:15:00+23:59", "0000-01-01T00:00:00Z", "-1"),
  fc.date().map((d) => (Number.isNaN(d.getTime()) ? "Invalid Date" : d.toISOString())),
  fc.nat().map(String),
);
const queryString = fc.oneof(
  fc
    .array(
      mostly(
        fc.oneof(
          fc.tuple(fc.constantFrom("t", "window"), mostly(okDuration, fc.oneof(duration, anyString))),
          fc.tuple(fc.constant("time"), mostly(okInstant, fc.oneof(instant, anyString))),
        ),
        fc.tuple(fc.oneof(anyString, fc.constantFrom("token", "T", "t ")), anyString),
      ),
      { maxLength: 3 },
    )
    .map((pairs) => new URLSearchParams(pairs).toString()),
  fc.string({ unit: "binary" }),
  fc.string({ unit: fc.constantFrom("t", "=", "&", "%", "3", "0", "s", "time", "window", "+", "%2") }),
);

describe.each(MESHES)("hostile SMI requests with $mesh", ({ adapter }) => {
  it("answers any SMI path and query with data or a 4xx Status, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(smiPath, queryString, async (path, rawQueryString) => {
        const { status, body } = await request(adapter, "GET", path, { rawQueryString });
        expectDataOr4xxStatus(status, body, [200]);
      }),
      RUNS,
    );
  });

  it("sends only PromQL that parses for every SMI answer it gives", async () => {
    await fc.assert(
      fc.asyncProperty(smiPath, queryString, async (path, rawQueryString) => {
        const { status, queries } = await request(adapter, "GET", path, { rawQueryString });
        if (status !== 200) expect(queries).toEqual([]);
        for (const query of queries) expect(promqlErrors(query), query).toEqual([]);
      }),
      RUNS,
    );
  });

  it("puts names from the path in PromQL only as whole, escaped string literals", async () => {
    await fc.assert(
      fc.asyncProperty(objectRoute, async ({ rest, values }) => {
        const { status, queries } = await request(adapter, "GET", `${PREFIX}/${rest}`);
        expect([200, 400, 404]).toContain(status);
        if (status !== 200) {
          expect(queries).toEqual([]);
          return;
        }
        expect(queries.length).toBeGreaterThan(0);
        for (const query of queries) {
          expect(promqlErrors(query), query).toEqual([]);
          expect(query.replace(LITERAL, ""), query).not.toContain('"');
        }
        const literals = queries.flatMap(literalsOf);
        for (const value of values) expect(literals, queries.join("\n")).toContain(value);
      }),
      RUNS,
    );
  });

  it("answers any Flagger webhook body with a verdict or a 4xx Status, and sends only PromQL that parses", async () => {
    const gateSettings = fc.record(
      {
        minSuccessRate: fc.constantFrom("99", "99.5", "0"),
        maxP99Ms: fc.constantFrom("500", "0"),
        minRequests: fc.constantFrom("0", "1", "20"),
        kind: fc.constantFrom(...KIND_NAMES, "widgets"),
        resource: mostly(validName, anyString),
        window: mostly(okDuration, fc.oneof(duration, anyString)),
        time: mostly(okInstant, fc.oneof(instant, anyString)),
      },
      { requiredKeys: [] },
    );
    const anyMetadata = fc.dictionary(
      fc.oneof(
        fc.constantFrom("minSuccessRate", "maxP50Ms", "minRequests", "kind", "window", "token"),
        fc.constantFrom("__proto__", "constructor", "toString"),
        anyString,
      ),
      fc.oneof(validName, duration, instant, anyString, fc.constantFrom("101", "-1", "1e3", "1.5")),
      { maxKeys: 4 },
    );
    const payload = fc.record(
      {
        name: mostly(validName, anyString),
        namespace: mostly(validNamespace, anyString),
        phase: anyString,
        metadata: mostly(gateSettings, anyMetadata),
      },
      { requiredKeys: ["name", "namespace", "phase"] },
    );
    const bodies = fc.oneof(
      { arbitrary: payload.map((p) => JSON.stringify(p)), weight: 4 },
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string({ unit: "binary" }),
    );
    await fc.assert(
      fc.asyncProperty(bodies, queryString, async (text, rawQueryString) => {
        const { status, body, queries } = await request(adapter, "POST", "/webhooks/flagger", {
          body: text,
          rawQueryString,
        });
        expectDataOr4xxStatus(status, body, [200, 412]);
        if (status !== 200 && status !== 412) expect(queries).toEqual([]);
        for (const query of queries) expect(promqlErrors(query), query).toEqual([]);
      }),
      RUNS,
    );
  });
});

describe("validators under arbitrary input", () => {
  it("parses any string to undefined or a finite, non-negative whole number of milliseconds", () => {
    // Digit runs up to 400 long, as bigints: they shrink by halving, not one character at a time.
    const digits = fc
      .tuple(fc.constantFrom("", "0"), fc.oneof(fc.bigInt(0n, 10n ** 20n), fc.bigInt(0n, 10n ** 400n)))
      .map(([zero, n]) => `${zero}${n}`);
    const durationLike = fc
      .tuple(digits, fc.constantFrom("h", "m", "s", "ms", ""), fc.constantFrom("", "30s", "ms", "h"))
      .map(([n, unit, tail]) => `${n}${unit}${tail}`);
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), duration, durationLike), (text) => {
        const ms = parseDurationMs(text);
        // A boolean, not expect(): a failure then shrinks in milliseconds instead of a minute.
        return ms === undefined || (Number.isFinite(ms) && Number.isInteger(ms) && ms >= 0);
      }),
      RUNS,
    );
  });

  it("prints any finite number as a Kubernetes milli-quantity that reads back to the same millis", () => {
    const SUFFIXES = ["m", "", "k", "M", "G", "T", "P", "E"];
    fc.assert(
      fc.property(
        fc.double({ min: -1e15, max: 1e15, noNaN: true }).filter((v) => Math.abs(v) < 1e15),
        (value) => {
          const text = formatMilliQuantity(value);
          const match = /^(-?\d+)(m|k|M|G|T|P|E)?$/.exec(text);
          expect(match, text).not.toBeNull();
          const [, mantissa = "", suffix = ""] = match ?? [];
          // The nearest thousandth, halves away from zero (see formatMilliQuantity).
          expect(BigInt(mantissa) * 1000n ** BigInt(SUFFIXES.indexOf(suffix))).toBe(
            BigInt(Math.sign(value) * Math.round(Math.abs(value) * 1000)),
          );
        },
      ),
      RUNS,
    );
  });

  it("quotes any label value into a literal that parses as a PromQL matcher", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), anyString), (value) => {
        const query = `up{a=${quoteLabelValue(value)}}`;
        expect(promqlErrors(query), query).toEqual([]);
        expect(literalsOf(query)).toEqual([value]);
      }),
      RUNS,
    );
  });
});
