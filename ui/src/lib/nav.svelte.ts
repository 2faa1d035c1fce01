/** Which view the window shows; agent detail is opened from other views. */
export type ViewName = "overview" | "hosts" | "catalog" | "tasks" | "topology" | "gaps" | "credentials" | "settings" | "setup" | "agent";

/** Views that work before the fleet runs (the setup is how it gets to run). */
export const WITHOUT_FLEET: ViewName[] = ["credentials", "settings", "setup"];

export const SIDEBAR: { view: Exclude<ViewName, "agent" | "setup">; label: string }[] = [
  { view: "overview", label: "Overview" },
  { view: "hosts", label: "Hosts" },
  { view: "catalog", label: "Catalog" },
  { view: "tasks", label: "Tasks" },
  { view: "topology", label: "Topology" },
  { view: "gaps", label: "Gaps & approvals" },
  { view: "credentials", label: "Credentials" },
  { view: "settings", label: "Settings" },
];

class Nav {
  view: ViewName = $state("overview");
  agentId: string | null = $state(null);

  go(view: Exclude<ViewName, "agent">): void {
    this.view = view;
  }

  openAgent(agentId: string): void {
    this.agentId = agentId;
    this.view = "agent";
  }
}

export const nav = new Nav();
