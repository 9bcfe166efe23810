/**
 * A small way to build the page's elements. Text always goes in as text nodes, never as HTML, so
 * names and usernames from the API cannot inject markup.
 */
type Attrs = Record<string, string | number | boolean | undefined>;
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const numberFormat = new Intl.NumberFormat('en');

export const formatNumber = (value: number): string => numberFormat.format(value);

export const formatTime = (iso: string): string => new Date(iso).toLocaleTimeString();

/** A figure of a `dl.figures`: its `data-figure` names it for tests and for live updates. */
export function figure(label: string, name: string, value: string | number): HTMLElement {
  const shown = typeof value === 'number' ? formatNumber(value) : value;
  return h('div', {}, h('dt', {}, label), h('dd', { 'data-figure': name }, shown));
}

/** Sets the figure named `name` under `root`, when it is shown. */
export function setFigure(root: ParentNode, name: string, value: string | number): void {
  const element = root.querySelector(`[data-figure="${CSS.escape(name)}"]`);
  if (element !== null)
    element.textContent = typeof value === 'number' ? formatNumber(value) : value;
}

/** A status line for a form: errors are announced at once, successes politely. */
export function messageLine(): HTMLParagraphElement & { show(text: string, ok: boolean): void } {
  const line = h('p', { class: 'message', role: 'status' }) as HTMLParagraphElement & {
    show(text: string, ok: boolean): void;
  };
  line.show = (text, ok) => {
    line.textContent = text;
    line.className = `message ${ok ? 'ok' : 'error'}`;
    line.setAttribute('role', ok ? 'status' : 'alert');
  };
  return line;
}
