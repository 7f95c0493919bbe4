import { forgetToken, tokenOf } from "./auth";
import { type PageConfig, splitKinds, workloadKinds } from "./config";
import { h } from "./dom";
import { linkTo, RANGES, REFRESHES, VIEWS, type ViewName, type ViewState } from "./state";

const VIEW_LABELS: Readonly<Record<ViewName, string>> = {
  namespace: "Namespace",
  topology: "Topology",
  workload: "Workload",
  canary: "Canary",
};

const RANGE_LABELS: Readonly<Record<string, string>> = {
  "15m": "last 15 minutes",
  "1h": "last hour",
  "6h": "last 6 hours",
  "24h": "last 24 hours",
  custom: "custom…",
};

/** `2026-11-25T09:00` in local time, as a datetime-local input holds it, from RFC 3339. */
function localInput(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return "";
  const d = new Date(t - new Date(t).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

const toIso = (local: string) => {
  const t = Date.parse(local);
  return Number.isFinite(t) ? `${new Date(t).toISOString().slice(0, 19)}Z` : "";
};

const labelled = (id: string, label: string, control: HTMLElement) =>
  h("span", { class: "field" }, h("label", { for: id }, label), " ", control);

const select = (id: string, values: readonly string[], labels: Readonly<Record<string, string>> = {}) =>
  h("select", { id, name: id }, ...values.map((v) => h("option", { value: v }, labels[v] ?? v)));

/** The page's header: the views, what to show and over which range, the refresh interval. */
export interface Shell {
  readonly element: HTMLElement;
  /** Shows a state in the controls without rebuilding them, so focus stays where the user is. */
  update(state: ViewState): void;
}

/** The header's controls, made once. */
function controlsOf(config: PageConfig) {
  const text = (id: string, size: number) =>
    h("input", { id, name: id, type: "text", size, autocomplete: "off", spellcheck: "false" });
  const start = h("input", { id: "start", name: "start", type: "datetime-local" });
  const end = h("input", { id: "end", name: "end", type: "datetime-local" });
  return {
    nav: VIEWS.map((view) => h("a", { "data-view": view }, VIEW_LABELS[view])),
    ns: text("ns", 16),
    all: h("input", { id: "all", name: "all", type: "checkbox" }),
    kind: select("kind", [...workloadKinds(config), ...splitKinds(config)]),
    name: text("name", 20),
    range: select("range", RANGES, RANGE_LABELS),
    start,
    end,
    custom: h("span", { class: "custom" }, labelled("start", "from", start), " ", labelled("end", "to", end)),
    every: select("refresh", REFRESHES, { off: "off" }),
    forget: h("button", { type: "button", class: "forget" }, "Forget the token"),
  };
}
type Controls = ReturnType<typeof controlsOf>;

/** The state the controls describe, from the one shown. */
function readControls(c: Controls, current: ViewState): ViewState {
  const custom = c.range.value === "custom";
  return {
    ...current,
    ns: c.ns.value.trim(),
    all: c.all.checked,
    kind: c.kind.value,
    name: c.name.value.trim(),
    range: c.range.value as ViewState["range"],
    start: custom ? toIso(c.start.value) || current.start : current.start,
    end: custom ? toIso(c.end.value) || current.end : current.end,
    refresh: c.every.value as ViewState["refresh"],
  };
}

/** Shows a state in the controls; the nav links keep range and refresh, and say which view is on. */
function showState(c: Controls, config: PageConfig, state: ViewState): void {
  for (const a of c.nav) {
    const view = a.dataset.view as ViewName;
    const kind = view === "canary" ? (splitKinds(config)[0] ?? "") : state.kind;
    a.setAttribute("href", linkTo(state, { view, kind, name: view === "workload" ? state.name : "" }));
    if (view === state.view) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  c.ns.value = state.ns;
  c.all.checked = state.all;
  c.kind.value = state.kind;
  c.name.value = state.name;
  c.range.value = state.range;
  c.start.value = localInput(state.start);
  c.end.value = localInput(state.end);
  c.custom.hidden = state.range !== "custom";
  c.every.value = state.refresh;
  c.forget.hidden = tokenOf() === undefined;
}

/** Range, kind, "all" and refresh apply at once; a custom range and the text fields on Enter or "Show". */
function wire(c: Controls, apply: () => void, refresh: () => void): void {
  c.range.addEventListener("change", () => {
    if (c.range.value === "custom" && c.start.value === "") {
      c.start.value = localInput(new Date(Date.now() - 3_600_000).toISOString());
      c.end.value = localInput(new Date().toISOString());
    }
    c.custom.hidden = c.range.value !== "custom";
    if (c.range.value !== "custom") apply();
  });
  for (const control of [c.kind, c.every, c.all]) control.addEventListener("change", apply);
  c.forget.addEventListener("click", () => {
    forgetToken();
    refresh();
  });
}

/**
 * Builds the header once: the views, what to show and over which range, the refresh interval.
 * Every change goes through the URL (`go`), which keeps the view.
 */
export function createShell(config: PageConfig, go: (state: ViewState) => void, refresh: () => void): Shell {
  const c = controlsOf(config);
  let current: ViewState | undefined;
  const apply = () => {
    if (current !== undefined) go(readControls(c, current));
  };
  wire(c, apply, refresh);
  const onsubmit = (e: Event) => {
    e.preventDefault();
    apply();
  };
  const form = h(
    "form",
    { class: "controls", "aria-label": "What to show", onsubmit },
    labelled("ns", "Namespace", c.ns),
    h("span", { class: "field" }, c.all, " ", h("label", { for: "all" }, "all namespaces (-A)")),
    labelled("kind", "Kind", c.kind),
    labelled("name", "Name", c.name),
    labelled("range", "Range", c.range),
    c.custom,
    labelled("refresh", "Refresh every", c.every),
    h("button", { type: "submit" }, "Show"),
    h("button", { type: "button", onclick: () => refresh() }, "Refresh now"),
    c.forget,
  );
  const element = h(
    "header",
    {},
    h("h1", {}, "SMI traffic metrics", config.mesh && h("span", { class: "mesh" }, ` · mesh ${config.mesh}`)),
    h("nav", { "aria-label": "Views" }, h("ul", {}, ...c.nav.map((a) => h("li", {}, a)))),
    form,
  );
  const update = (state: ViewState) => {
    current = state;
    showState(c, config, state);
  };
  return { element, update };
}
