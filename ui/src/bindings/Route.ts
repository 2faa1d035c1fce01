// PROVISIONAL: replaced by the generated binding
export type Route = { "kind": "agent", "target": string } | { "kind": "type", "target": string } | { "kind": "capability", "target": string };
