/** A tiny element builder: the console is small enough not to need a framework. */
export type Child = Node | string | number | null | undefined | false | readonly Child[];
type Listener = (event: Event) => void;
export type Attrs = Record<string, string | number | boolean | null | undefined | Listener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') {
      element.addEventListener(name.replace(/^on/, ''), value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (typeof child === 'string' || typeof child === 'number') {
      parent.appendChild(document.createTextNode(String(child)));
    } else if (child instanceof Node) {
      parent.appendChild(child);
    } else {
      append(parent, child);
    }
  }
}

/** Replaces an element's content. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** An event listener running async work; failures are shown by the work itself, never left floating. */
export function act(work: (event: Event) => Promise<void>): Listener {
  return (event) => {
    work(event).catch((error: unknown) => {
      console.error(error);
    });
  };
}

/** A submit listener that keeps the page from reloading. */
export function onSubmit(work: (form: HTMLFormElement) => Promise<void>): Listener {
  return act(async (event) => {
    event.preventDefault();
    await work(event.currentTarget as HTMLFormElement);
  });
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function shortId(id: string | null | undefined): string {
  return id ? id.slice(0, 8) : '—';
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

export function field(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === 'string' ? value.trim() : '';
}

let controlIds = 0;

/**
 * A form control with its label (for/id, so the accessible name is the label's text alone: getByLabel and
 * screen readers find it) and an optional hint that describes it.
 */
export function labelled(text: string, control: HTMLElement, hint?: string): HTMLElement {
  controlIds += 1;
  const id = control.id || `control-${controlIds}`;
  control.id = id;
  const hintElement = hint ? h('small', { id: `${id}-hint` }, hint) : null;
  if (hintElement) control.setAttribute('aria-describedby', hintElement.id);
  return h('div', { class: 'field' }, h('label', { for: id }, text), control, hintElement);
}
