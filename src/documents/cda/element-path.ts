// A small evaluator for the element paths of the eHDSI coded element list (terminology/bindings.ts):
// the subset of XPath 1.0 they use, matched on LOCAL names (hl7: and pharm: elements alike; `@type`
// is xsi:type). Steps `/name` and `//name`, a final `@attr`, predicates `[rel/path='v']`,
// `[@attr='v']`, `[a='v' and b='w']`, several predicates in a row. A general XPath engine took about
// 1 s over a 170 KB Patient Summary for the ~90 paths; this indexes elements by local name once.
import type { Document, Element, Node } from "@xmldom/xmldom";

interface Condition {
  /** Relative path: element local names, the last one possibly "@attr". */
  path: string[];
  value: string;
}

interface Step {
  descendant: boolean;
  /** Local name, or "@attr" for a final attribute step. */
  name: string;
  /** Predicates; each one a conjunction of conditions. */
  predicates: Condition[][];
}

export interface CompiledPath {
  source: string;
  steps: Step[];
}

function parsePredicate(body: string, source: string): Condition[] {
  return body.split(/\s+and\s+/).map((c) => {
    const m = /^\s*([@\w./-]+)\s*=\s*'([^']*)'\s*$/.exec(c);
    if (!m) throw new Error(`unsupported predicate [${body}] in ${source}`);
    return { path: m[1]!.split("/"), value: m[2]! };
  });
}

/** Compile one path; throws on syntax outside the supported subset (a programming error). */
export function compilePath(source: string): CompiledPath {
  const steps: Step[] = [];
  const re = /(\/\/?)(@?[A-Za-z_][\w.-]*)((?:\[[^\]]*\])*)/y;
  let i = 0;
  while (i < source.length) {
    re.lastIndex = i;
    const m = re.exec(source);
    if (!m) throw new Error(`unsupported path syntax at ${i} in ${source}`);
    const predicates = [...m[3]!.matchAll(/\[([^\]]*)\]/g)].map((p) => parsePredicate(p[1]!, source));
    steps.push({ descendant: m[1] === "//", name: m[2]!, predicates });
    i = re.lastIndex;
  }
  return { source, steps };
}

function attrByLocalName(e: Element, name: string): string | undefined {
  for (const a of Array.from(e.attributes)) if ((a.localName ?? a.name) === name) return a.value;
  return undefined;
}

function childElements(e: Node, name: string): Element[] {
  const out: Element[] = [];
  for (const c of Array.from(e.childNodes)) if (c.nodeType === 1 && (c as Element).localName === name) out.push(c as Element);
  return out;
}

/** Does a relative path from `e` reach the value (XPath existential comparison)? */
function holds(e: Element, path: string[], value: string): boolean {
  const [head, ...rest] = path;
  if (head === undefined) return false;
  if (head.startsWith("@")) return rest.length === 0 && attrByLocalName(e, head.slice(1))?.trim() === value;
  return childElements(e, head).some((c) => (rest.length ? holds(c, rest, value) : (c.textContent ?? "").trim() === value));
}

function passes(e: Element, step: Step): boolean {
  return step.predicates.every((conj) => conj.every((c) => holds(e, c.path, c.value)));
}

/** Elements of a document indexed by local name, in document order. */
export class ElementIndex {
  private readonly byName = new Map<string, Element[]>();

  constructor(readonly doc: Document) {
    const walk = (n: Node): void => {
      for (const c of Array.from(n.childNodes)) {
        if (c.nodeType !== 1) continue;
        const e = c as Element;
        const list = this.byName.get(e.localName ?? "");
        if (list) list.push(e);
        else this.byName.set(e.localName ?? "", [e]);
        walk(e);
      }
    };
    walk(doc);
  }

  /** Evaluate a compiled path; attribute steps yield Attr nodes. */
  select(p: CompiledPath): Node[] {
    let current: Node[] = [this.doc];
    for (const step of p.steps) {
      if (step.name.startsWith("@")) {
        const name = step.name.slice(1);
        current = current.flatMap((n) => Array.from((n as Element).attributes ?? []).filter((a) => (a.localName ?? a.name) === name) as unknown as Node[]);
        continue;
      }
      let next: Element[];
      if (step.descendant) {
        const inContext = new Set(current);
        next = (this.byName.get(step.name) ?? []).filter((e) => {
          for (let a = e.parentNode; a; a = a.parentNode) if (inContext.has(a)) return true;
          return false;
        });
      } else {
        next = current.flatMap((n) => childElements(n, step.name));
      }
      current = next.filter((e) => passes(e, step));
    }
    return current;
  }
}
