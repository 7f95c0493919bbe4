import type { ViewCalls } from "../api";
import type { PageConfig } from "../config";
import type { QueryRange } from "../range";
import type { ViewState } from "../state";

/** What a view draws from: the state in the URL, the deployment, its range's queries, and its calls. */
export interface ViewContext {
  readonly state: ViewState;
  readonly config: PageConfig;
  readonly range: QueryRange;
  readonly calls: ViewCalls;
}

/** A view: its heading, and the nodes it draws once its calls have answered. */
export interface View {
  readonly title: (state: ViewState) => string;
  readonly render: (context: ViewContext) => Promise<Node[]>;
}
