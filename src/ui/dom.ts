/**
 * The page's only way to make elements: text goes in as Text nodes and attributes through
 * `setAttribute`, so nothing the API returns (Prometheus label values, Kubernetes names, Warning
 * texts) is ever parsed as HTML. The page's Trusted Types policy makes any HTML sink throw anyway.
 */
type Child = Node | string | number | null | undefined | false | readonly Child[];
type Props = Readonly<Record<string, string | number | boolean | EventListener | undefined>>;

const SVG_NS = "http://www.w3.org/2000/svg";

function apply(element: Element, props: Props | undefined, children: readonly Child[]): Element {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

/** Appends children as nodes or text, skipping empty ones. */
function append(parent: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(child instanceof Node ? child : String(child));
  }
}

/** An HTML element: `h("a", { href }, "text")`; props starting `on` are listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  return apply(document.createElement(tag), props, children) as HTMLElementTagNameMap[K];
}

/** An SVG element, made the same way. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  props?: Props,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  return apply(document.createElementNS(SVG_NS, tag), props, children) as SVGElementTagNameMap[K];
}
