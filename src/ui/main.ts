import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { ApiError, ViewCalls, type ViewWarning } from "./api";
import { forgetToken, iamNotice, tokenForm, tokenOf } from "./auth";
import { chartsNow, destroyCharts } from "./chart";
import { defaultKind, type PageConfig, readConfig, splitKinds, workloadKinds } from "./config";
import { h } from "./dom";
import { type QueryRange, queryRange } from "./range";
import { createShell } from "./shell";
import { parseState, stateHash, type ViewName, type ViewState } from "./state";
import { canaryView } from "./views/canary";
import { namespaceView } from "./views/namespace";
import { topologyView } from "./views/topology";
import type { View } from "./views/view";
import { workloadView } from "./views/workload";

const VIEWS: Readonly<Record<ViewName, View>> = {
  namespace: namespaceView,
  topology: topologyView,
  workload: workloadView,
  canary: canaryView,
};

const REFRESH_MS: Readonly<Record<ViewState["refresh"], number>> = {
  off: 0,
  "30s": 30_000,
  "1m": 60_000,
  "5m": 300_000,
};

/**
 * The state with a kind its view can show and the deployment serves: its splits for the canary view
 * (none under a mesh whose series cannot tell backends apart, and the view says so), workloads for
 * the others.
 */
function normalized(state: ViewState, config: PageConfig): ViewState {
  if (state.view === "canary") {
    const kinds = splitKinds(config);
    return kinds.includes(state.kind) ? state : { ...state, kind: kinds[0] ?? "" };
  }
  return workloadKinds(config).includes(state.kind) ? state : { ...state, kind: defaultKind(config) };
}

/** Every Warning of the view's calls, in words, never folded away. */
function warningList(warnings: readonly ViewWarning[]): HTMLElement | string {
  if (warnings.length === 0) return "";
  return h(
    "section",
    { class: "warnings", "aria-labelledby": "warnings-title" },
    h(
      "h3",
      { id: "warnings-title" },
      warnings.length === 1 ? "The API sent a warning" : `The API sent ${warnings.length} warnings`,
    ),
    h("ul", {}, ...warnings.map((w) => h("li", {}, h("strong", {}, "Warning: "), w.text))),
  );
}

function rangeText(range: QueryRange): string {
  const time = (s: number) => new Date(s * 1000).toLocaleString();
  return `From ${time(range.startS)} to ${time(range.endS)}; charts every ${range.stepS} s.`;
}

/** The page: a header built once, and the view the URL names, drawn again on each change. */
function start(): void {
  const config = readConfig();
  const root = document.getElementById("app") as HTMLElement;
  const heading = h("h2", { tabindex: -1 });
  const info = h("p", { class: "range" });
  const notes = h("div", { class: "notes", "aria-live": "polite" });
  const body = h("div", { class: "view", id: "view" });
  const go = (state: ViewState) => {
    location.hash = stateHash(state);
  };
  let calls: ViewCalls | undefined;
  let timer: number | undefined;
  let shown = "";

  const show = async () => {
    const state = normalized(parseState(location.hash, defaultKind(config)), config);
    // Focus moves to the heading when the view changes, not on the first one or a refresh.
    const moved = shown !== "" && shown !== `${state.view}|${state.ns}|${state.name}`;
    shown = `${state.view}|${state.ns}|${state.name}`;
    shell.update(state);
    clearInterval(timer);
    if (REFRESH_MS[state.refresh] > 0)
      timer = window.setInterval(() => void show(), REFRESH_MS[state.refresh]);
    calls?.abort();
    const mine = new ViewCalls();
    calls = mine;
    const view = VIEWS[state.view];
    heading.textContent = view.title(state);
    document.title = `${view.title(state)} · SMI traffic metrics`;
    const range = queryRange(state, Date.now() / 1000, config.window);
    info.textContent = typeof range === "string" ? "" : rangeText(range);
    const focusWasIn = body.contains(document.activeElement)
      ? document.activeElement?.textContent
      : undefined;
    body.setAttribute("aria-busy", "true");
    const before = chartsNow();
    const nodes = await drawView(view, state, range, mine, config, () => void show());
    if (mine.aborted) {
      destroyCharts(chartsNow().filter((c) => !before.includes(c)));
      return;
    }
    notes.replaceChildren(warningList(mine.warnings));
    destroyCharts(before);
    body.replaceChildren(...nodes);
    body.setAttribute("aria-busy", "false");
    body.dataset.calls = String(mine.paths.length);
    performance.mark("smi-view-ready", { detail: { view: state.view, calls: mine.paths } });
    settleFocus(body, heading, moved, focusWasIn);
  };
  const shell = createShell(config, go, () => void show());
  root.replaceChildren(shell.element, h("main", { id: "content" }, heading, info, notes, body));
  window.addEventListener("hashchange", () => void show());
  void show();
}

/**
 * Where focus goes once a view is drawn: to a field that asks for something (the token), to the
 * heading when the view changed, or after a refresh back to the element with the text it was on.
 */
function settleFocus(
  body: HTMLElement,
  heading: HTMLElement,
  moved: boolean,
  text: string | null | undefined,
) {
  const asking = body.querySelector<HTMLElement>("[data-autofocus]");
  if (asking !== null) return asking.focus();
  if (moved) return heading.focus();
  if (text === undefined || text === null) return;
  [...body.querySelectorAll<HTMLElement>("a, button")].find((e) => e.textContent === text)?.focus();
}

/** What the view shows: its nodes, the token form, the IAM notice, or what failed, in words. */
async function drawView(
  view: View,
  state: ViewState,
  range: QueryRange | string,
  calls: ViewCalls,
  config: PageConfig,
  again: () => void,
): Promise<Node[]> {
  if (config.auth === "iam") return [iamNotice()];
  const asks = config.auth === "token" || config.auth === "jwt" ? config.auth : undefined;
  if (asks !== undefined && tokenOf() === undefined) return [tokenForm(asks, undefined, again)];
  if (typeof range === "string")
    return [h("p", { role: "alert", class: "error" }, `Cannot show this range: ${range}.`)];
  try {
    return await view.render({ state, config, range, calls });
  } catch (error) {
    if (calls.aborted) return [];
    if (error instanceof ApiError && error.status === 401 && asks !== undefined) {
      forgetToken();
      return [tokenForm(asks, `The API refused the token (401 ${error.reason}): ${error.message}`, again)];
    }
    const said =
      error instanceof ApiError
        ? `The API answered ${error.status} ${error.reason}: ${error.message}`
        : `The page failed: ${String(error)}`;
    return [h("p", { role: "alert", class: "error" }, said)];
  }
}

start();
