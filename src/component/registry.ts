import type { Factory, Kind } from './component.js';

/** The component types a gateway knows, by kind; aliases resolve to the same factory. */
export class Registry {
  private readonly byKind = new Map<Kind, Map<string, Factory>>();

  constructor(factories: readonly Factory[] = []) {
    for (const f of factories) this.register(f);
  }

  register(f: Factory): this {
    let m = this.byKind.get(f.kind);
    if (m === undefined) this.byKind.set(f.kind, (m = new Map()));
    for (const name of [f.type, ...(f.aliases ?? [])]) {
      if (m.has(name)) throw new Error(`duplicate ${f.kind} type "${name}"`);
      m.set(name, f);
    }
    return this;
  }

  get(kind: Kind, type: string): Factory | undefined {
    return this.byKind.get(kind)?.get(type);
  }

  /** Canonical type names of a kind, sorted (aliases left out). */
  types(kind: Kind): string[] {
    const m = this.byKind.get(kind);
    if (m === undefined) return [];
    return [...new Set([...m.values()].map((f) => f.type))].sort();
  }
}
