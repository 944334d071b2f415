/** DOM helpers for the console page: text and attributes only, never markup. */

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`console page: no #${id}`);
  return node as T;
}

export type Child = Node | string | null | undefined;

export function el(tag: string, attrs?: Record<string, string | number | boolean | null | undefined> | null, children: readonly Child[] = []): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v !== undefined && v !== null && v !== false) node.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return node;
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export function setNote(id: string, text: string, bad = false): void {
  const n = $(id);
  n.textContent = text;
  n.classList.toggle('bad', bad);
}

export function time(): string {
  return new Date().toLocaleTimeString();
}

export function inputValue(id: string): string {
  return $<HTMLInputElement>(id).value.trim();
}
