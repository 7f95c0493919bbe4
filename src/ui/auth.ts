import { h } from "./dom";

/**
 * The bearer token, kept for this tab only (`sessionStorage`): it goes in the `Authorization`
 * header of the page's own calls and nowhere else, never in a URL, the page or a log.
 */
const KEY = "smi-metrics-token";

export const tokenOf = (): string | undefined => sessionStorage.getItem(KEY) ?? undefined;

export const forgetToken = (): void => sessionStorage.removeItem(KEY);

/** What the user is asked for, by auth mode. */
const ASKED: Readonly<Record<"token" | "jwt", { title: string; label: string }>> = {
  token: {
    title: "This API wants its API token",
    label: "API token (apiAuth none: the API_TOKEN the deployment was given)",
  },
  jwt: {
    title: "This API wants a JWT",
    label: "Bearer token (apiAuth jwt: a JWT from the deployment's issuer, for its audience)",
  },
};

/**
 * The form that asks for the token once per tab. It never submits anywhere (the page's CSP has
 * `form-action 'none'`): the token is stored and the view drawn again. `refused` says why it asks
 * again after a 401.
 */
export function tokenForm(mode: "token" | "jwt", refused: string | undefined, done: () => void) {
  const input = h("input", {
    id: "token",
    name: "token",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    "data-autofocus": true,
  });
  const onsubmit = (event: Event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (value === "") return;
    sessionStorage.setItem(KEY, value);
    input.value = "";
    done();
  };
  const form = h(
    "form",
    { class: "token", "aria-labelledby": "token-title", onsubmit },
    h("h2", { id: "token-title" }, ASKED[mode].title),
    refused && h("p", { role: "alert", class: "error" }, refused),
    h("label", { for: "token" }, ASKED[mode].label),
    input,
    h("button", { type: "submit" }, "Use this token"),
    h("p", { class: "note" }, "Kept in this tab only (sessionStorage), sent only to this API."),
  );
  return form;
}

/** Why this page cannot call an IAM-locked API, and where to go instead. */
export function iamNotice(): HTMLElement {
  return h(
    "section",
    { class: "notice", "aria-labelledby": "iam-title" },
    h("h2", { id: "iam-title" }, "This API takes AWS SigV4-signed requests only"),
    h(
      "p",
      {},
      "It is deployed with apiAuth iam: API Gateway lets in only requests signed with AWS credentials " +
        "that may call execute-api:Invoke, and a browser cannot sign requests. Read its numbers with " +
        "the smi-metrics CLI or kubectl instead, or deploy with apiAuth jwt or none to use this page.",
    ),
    h(
      "p",
      {},
      "See docs/ui.md (section “apiAuth iam”) and docs/deploy.md in the repository; this deployment's own API description is ",
      h("a", { href: "/openapi.json" }, "/openapi.json"),
      ".",
    ),
  );
}
