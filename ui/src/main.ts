import { mount } from "svelte";
import App from "./App.svelte";
import { ensureUsableLocale } from "./lib/locale";
import "./styles.css";

const target = document.getElementById("app");
if (!target) throw new Error("index.html lacks #app");

// Before the charts load: they format numbers in navigator.language.
ensureUsableLocale(navigator);

// `--mode harness` answers the window's commands from sample data (see
// harness/mockBackend.ts); any other build leaves this branch out.
if (import.meta.env.MODE === "harness") {
  const { installMockBackend } = await import("./harness/mockBackend");
  installMockBackend();
}

export default mount(App, { target });
