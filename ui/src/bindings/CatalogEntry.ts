// PROVISIONAL: replaced by the generated binding
import type { AgentCategory } from "./AgentCategory";
import type { CredentialSpec } from "./CredentialSpec";
import type { KindDefaults } from "./KindDefaults";
import type { TaskTypeSpec } from "./TaskTypeSpec";
import type { JsonValue } from "./serde_json/JsonValue";

export type CatalogEntry = { kind: string, aliases: Array<string>, category: AgentCategory, description: string, task_types: Array<TaskTypeSpec>, credentials: Array<CredentialSpec>, settings_schema: JsonValue, defaults: KindDefaults, privileges: Array<string>, credentials_present: { [key in string]?: boolean }, };
