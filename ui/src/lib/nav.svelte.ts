/** Which view the window shows; agent detail is opened from other views. */
export type ViewName = "overview" | "hosts" | "catalog" | "tasks" | "topology" | "gaps" | "agent";

export const SIDEBAR: { view: Exclude<ViewName, "agent">; label: string }[] = [
  { view: "overview", label: "Overview" },
  { view: "hosts", label: "Hosts" },
  { view: "catalog", label: "Catalog" },
  { view: "tasks", label: "Tasks" },
  { view: "topology", label: "Topology" },
  { view: "gaps", label: "Gaps & approvals" },
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
