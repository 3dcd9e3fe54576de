/** Small helpers to build the DOM without a framework. */

export type Child = Node | string | number | null | undefined | false

/** Attribute values; `true` sets an empty attribute, `false` and `undefined` leave it out. */
export type Attributes = Record<string, string | number | boolean | undefined>

function applyAttributes (element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue
    element.setAttribute(name, value === true ? '' : String(value))
  }
}

function append (parent: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    parent.append(typeof child === 'number' ? String(child) : child)
  }
}

/** An HTML element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap> (tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  applyAttributes(element, attributes)
  append(element, children)
  return element
}

const SVG_NS = 'http://www.w3.org/2000/svg'

/** An SVG element with attributes and children. */
export function svg<K extends keyof SVGElementTagNameMap> (tag: K, attributes: Attributes = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag)
  applyAttributes(element, attributes)
  append(element, children)
  return element
}

export interface Column<T> {
  header: string
  cell: (row: T) => Child
  /** Right-aligned, for figures. */
  numeric?: boolean
}

export interface TableOptions<T> {
  /** Extra attributes of each row, e.g. a class or data attributes. */
  rowAttributes?: (row: T) => Attributes
  /** Shown in place of the rows when there are none. */
  empty?: string
}

/**
 * A captioned table in a region that scrolls sideways on narrow screens; the region is focusable
 * so keyboard users can scroll it too.
 */
export function dataTable<T> (caption: string, columns: Array<Column<T>>, rows: T[], options: TableOptions<T> = {}): HTMLElement {
  const head = h('tr', {}, ...columns.map(column => h('th', { scope: 'col', class: column.numeric === true ? 'numeric' : undefined }, column.header)))
  const body = rows.length === 0
    ? [h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, options.empty ?? 'Nothing yet.'))]
    : rows.map(row => h('tr', options.rowAttributes?.(row) ?? {},
      ...columns.map(column => h('td', { class: column.numeric === true ? 'numeric' : undefined }, column.cell(row)))))
  return h('div', { class: 'table-scroll', role: 'region', 'aria-label': caption, tabindex: 0 },
    h('table', {}, h('caption', {}, caption), h('thead', {}, head), h('tbody', {}, ...body)))
}

/** A yes/no badge that does not rely on colour alone. */
export function badge (on: boolean, yes: string, no: string): HTMLElement {
  return h('span', { class: `badge ${on ? 'badge-on' : 'badge-off'}` }, on ? yes : no)
}
