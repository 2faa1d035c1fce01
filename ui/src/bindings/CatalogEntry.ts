// PROVISIONAL: replaced by the generated binding
import type { KindSpec } from "./KindSpec";

export type CatalogEntry = KindSpec & { credentials_present: { [key in string]?: boolean }, };
