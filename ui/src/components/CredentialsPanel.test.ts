// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import type { CredentialStatus } from "../bindings/CredentialStatus";
import { byTestId, scriptIpc, settle, typeInto } from "../test/ipcMock";
import { mountedPerTest } from "../test/mounted";
import CredentialsPanel from "./CredentialsPanel.svelte";

const view = mountedPerTest();

const missing: CredentialStatus = {
  name: "OPENAI_API_KEY",
  description: "API key",
  kinds: ["openai-agent"],
  state: "missing",
  masked: null,
  last_check: null,
  check_task: "list_models",
};

describe("Credentials panel", () => {
  it("sends a value once, empties the field and shows it masked only", async () => {
    const ipc = scriptIpc({
      credential_kinds: [{ kind: "openai-agent", description: "", credentials: ["OPENAI_API_KEY"] }],
      list_credentials: [missing],
      set_credential: { ...missing, state: "present", masked: "••••••••" },
    });
    view.open(CredentialsPanel, { keyring: { available: true, detail: null }, picked: ["openai-agent"], onPicked: () => {} });
    await settle();
    expect((byTestId(view.target, "pick-openai-agent") as HTMLInputElement).checked).toBe(true);
    expect(byTestId(view.target, "credential-state-OPENAI_API_KEY").textContent).toBe("missing");
    const field = byTestId(view.target, "credential-value-OPENAI_API_KEY") as HTMLInputElement;
    expect(field.type).toBe("password");
    typeInto(field, "sk-live-secret");
    byTestId(view.target, "credential-store-OPENAI_API_KEY").click();
    await settle();
    expect(ipc.called("set_credential")[0].args).toEqual({ name: "OPENAI_API_KEY", value: "sk-live-secret" });
    expect(field.value).toBe("");
    expect(byTestId(view.target, "credential-masked-OPENAI_API_KEY").textContent).toBe("••••••••");
    expect(view.target.innerHTML).not.toContain("sk-live-secret");
    expect(byTestId(view.target, "credential-store-OPENAI_API_KEY").textContent).toBe("Rotate");
  });

  it("refuses to store without a keyring and says why", async () => {
    scriptIpc({ credential_kinds: [], list_credentials: [missing] });
    view.open(CredentialsPanel, { keyring: { available: false, detail: "No usable Secret Service" }, picked: ["openai-agent"], onPicked: () => {} });
    await settle();
    expect(byTestId(view.target, "keyring-missing").textContent).toContain("cannot be stored");
    expect((byTestId(view.target, "credential-store-OPENAI_API_KEY") as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows a failed check with its reason", async () => {
    scriptIpc({
      credential_kinds: [],
      list_credentials: [{ ...missing, state: "present", masked: "••••••••" }],
      check_credential: { ...missing, state: "failed", masked: "••••••••", last_check: { at: "2026-12-06T12:00:00Z", ok: false, detail: "list_models on ai-1: 401 Incorrect API key" } },
    });
    view.open(CredentialsPanel, { keyring: { available: true, detail: null }, picked: ["openai-agent"], onPicked: () => {} });
    await settle();
    byTestId(view.target, "credential-check-OPENAI_API_KEY").click();
    await settle();
    expect(byTestId(view.target, "credential-state-OPENAI_API_KEY").textContent).toBe("check failed");
    expect(byTestId(view.target, "credential-checked-OPENAI_API_KEY").textContent).toContain("401 Incorrect API key");
  });
});
