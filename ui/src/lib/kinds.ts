import type { CatalogEntry } from "../bindings/CatalogEntry";

/** The catalog entry of an agent's type, by its kind or one of its aliases. */
export function findKind(entries: CatalogEntry[], agentType: string): CatalogEntry | undefined {
  return entries.find((e) => e.kind === agentType) ?? entries.find((e) => e.aliases.includes(agentType));
}
