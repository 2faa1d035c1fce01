// PROVISIONAL: replaced by the generated binding
import type { AgentCategory } from "./AgentCategory";
import type { CredentialSpec } from "./CredentialSpec";
import type { KindDefaults } from "./KindDefaults";
import type { Privilege } from "./Privilege";
import type { TaskTypeSpec } from "./TaskTypeSpec";

export type KindSpec = { kind: string, aliases: Array<string>, category: AgentCategory, description: string, task_types: Array<TaskTypeSpec>, credentials: Array<CredentialSpec>, settings_schema: unknown, defaults: KindDefaults, privileges: Array<Privilege>, };
