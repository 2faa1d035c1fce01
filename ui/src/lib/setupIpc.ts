/**
 * The setup wizard's, the credentials view's and the settings view's calls
 * (docs/desktop-ipc.md, "Setup, credentials and settings"). A secret is an
 * argument of `setCredential`, `saveStore` or `saveBroker` once; no answer
 * ever carries one back.
 */
import type { About } from "../bindings/About";
import type { ApiKeyView } from "../bindings/ApiKeyView";
import type { AppSettings } from "../bindings/AppSettings";
import type { BrokerTested } from "../bindings/BrokerTested";
import type { CredentialKind } from "../bindings/CredentialKind";
import type { CredentialStatus } from "../bindings/CredentialStatus";
import type { EngineProbe } from "../bindings/EngineProbe";
import type { SetupStep } from "../bindings/SetupStep";
import type { SetupView } from "../bindings/SetupView";
import type { StepOutcome } from "../bindings/StepOutcome";
import type { StoreTested } from "../bindings/StoreTested";
import { call } from "./ipc";

export const setupState = () => call<SetupView>("setup_state");
export const setupStep = (step: SetupStep, outcome: StepOutcome) => call<SetupView>("setup_step", { step, outcome });
export const setupCompleted = (completed: boolean) => call<SetupView>("setup_completed", { completed });
export const probeDocker = () => call<EngineProbe>("probe_docker");
export const testBroker = (url: string) => call<BrokerTested>("test_broker", { url });
/** `null` is the managed broker. */
export const saveBroker = (url: string | null) => call<SetupView>("save_broker", { url });
export const testStore = (url: string) => call<StoreTested>("test_store", { url });
/** `null` is SQLite in the data directory. */
export const saveStore = (url: string | null) => call<SetupView>("save_store", { url });
export const chooseKinds = (kinds: string[]) => call<SetupView>("choose_kinds", { kinds });
export const listCredentials = () => call<CredentialStatus[]>("list_credentials");
export const setCredential = (name: string, value: string) => call<CredentialStatus>("set_credential", { name, value });
export const deleteCredential = (name: string) => call<CredentialStatus>("delete_credential", { name });
export const checkCredential = (name: string) => call<CredentialStatus>("check_credential", { name });
export const saveSettings = (settings: AppSettings) => call<SetupView>("save_settings", { settings });
export const apiKey = (create: boolean) => call<ApiKeyView>("api_key", { create });
export const about = () => call<About>("about");
export const restartApp = () => call<void>("restart_app");
export const credentialKinds = () => call<CredentialKind[]>("credential_kinds");
