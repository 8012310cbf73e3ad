/// <reference lib="dom" />
/**
 * The playground page: wires the editor, the example list, the output tabs and the VM runner to
 * compile.ts and run.ts. Everything runs in the page; nothing is sent anywhere.
 *
 * URL contract: `#code=...` (share.ts) loads that code; `?example=<name>` loads an example and its
 * sample input (examples/samples.json); `&run=1` then runs the object's first program on it and
 * shows the Run tab. `body[data-state]` is `loading`, `compiling`, `ok` or `error`,
 * `body[data-compiles]` counts finished compilations (tests wait on both), and
 * `body[data-first-compile-ms]` records how long the first compilation took.
 */
import assets from "tsbpf-playground:assets";
import { memoryHost } from "../compiler/frontend/host.ts";
import { compileInPage, type PageCompile } from "./compile.ts";
import { buildPacket } from "./packet-fields.ts";
import { formatHexBytes, parseHexBytes, runInPage } from "./run.ts";
import { decodeFragment, encodeFragment } from "./share.ts";

const host = memoryHost(new Map(Object.entries(assets.stdlib)));
const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page: no #${id}`);
  return el as T;
};
const source = $<HTMLTextAreaElement>("source");
const exampleSelect = $<HTMLSelectElement>("example");
const programSelect = $<HTMLSelectElement>("program");
const inputKind = $<HTMLSelectElement>("input-kind");
const inputHex = $<HTMLTextAreaElement>("input-hex");
const setText = $<HTMLTextAreaElement>("set");
const status = $("status");
const download = $<HTMLAnchorElement>("download");

let last: PageCompile | undefined;
let firstCompile = true;
let generation = 0;
let compiles = 0;

function setState(state: string, text: string): void {
  document.body.dataset["state"] = state;
  status.textContent = text;
}

function showTab(name: string): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>("#tabs button"))
    b.classList.toggle("active", b.dataset["tab"] === name);
  for (const p of document.querySelectorAll<HTMLElement>(".pane"))
    p.hidden = p.id !== `out-${name}`;
}

/** The file name diagnostics and BTF line info use: the example's path, as `tsbpf build` has it. */
function fileName(): string {
  const ex = exampleSelect.value;
  return ex && assets.examples[ex] === source.value ? `examples/${ex}.ts` : "probe.ts";
}

async function compile(): Promise<PageCompile | undefined> {
  const mine = ++generation;
  setState("compiling", "compiling…");
  const t0 = performance.now();
  const out = await compileInPage(source.value, fileName(), host);
  if (mine !== generation) return undefined; // a newer edit started another compilation
  if (firstCompile) {
    document.body.dataset["firstCompileMs"] = (performance.now() - t0).toFixed(0);
    firstCompile = false;
  }
  last = out;
  document.body.dataset["compiles"] = String(++compiles);
  $("out-diagnostics").textContent = out.diagnostics || "no diagnostics";
  $("out-ir").textContent = out.ir;
  $("out-ir-opt").textContent = out.irOpt;
  $("out-asm").textContent = out.asm;
  $("out-objdump").textContent = out.objdump;
  const keep = programSelect.value;
  programSelect.replaceChildren(...out.programs.map((p) => new Option(p, p)));
  if (out.programs.includes(keep)) programSelect.value = keep;
  if (download.href) URL.revokeObjectURL(download.href);
  if (out.object) {
    download.href = URL.createObjectURL(new Blob([out.object as BlobPart]));
    download.download = fileName().replace(/^.*\//, "").replace(/\.ts$/, ".o");
    download.hidden = false;
  } else {
    download.removeAttribute("href");
    download.hidden = true;
  }
  const n = out.errorCount;
  if (out.ok) setState("ok", `compiled in ${out.ms.toFixed(0)} ms: ${out.object!.length} bytes`);
  else {
    setState("error", `${n} error${n === 1 ? "" : "s"}`);
    showTab("diagnostics");
  }
  return out;
}

/** Fills the run inputs with an example's sample (examples/samples.json). */
function loadSample(name: string): void {
  const s = assets.samples[name] ?? {};
  if (s.packet !== undefined) {
    inputKind.value = "packet";
    inputHex.value = formatHexBytes(parseHexBytes(assets.packets[s.packet] ?? "") as Uint8Array);
  } else {
    inputKind.value = "ctx";
    inputHex.value =
      s.ctxHex ?? (s.ctxZeros !== undefined ? formatHexBytes(new Uint8Array(s.ctxZeros)) : "");
  }
  setText.value = (s.set ?? []).join("\n");
}

function loadExample(name: string): void {
  exampleSelect.value = name;
  source.value = assets.examples[name] ?? "";
  loadSample(name);
  const url = new URL(location.href);
  url.hash = "";
  url.searchParams.set("example", name);
  url.searchParams.delete("run");
  history.replaceState(null, "", url);
}

function run(): void {
  showTab("run");
  const ret = $("run-return");
  const show = (r: string, maps = "", events = "", printk = ""): void => {
    ret.textContent = r;
    $("run-maps").textContent = maps;
    $("run-events").textContent = events;
    $("run-printk").textContent = printk;
  };
  if (!last?.object) return show("the program does not compile: see Diagnostics");
  const bytes = parseHexBytes(inputHex.value);
  if (typeof bytes === "string") return show(`input: ${bytes}`);
  const kind = inputKind.value === "packet" ? "packet" : "ctx";
  const sets = setText.value
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const r = runInPage(last.object, programSelect.value, { kind, bytes }, sets);
  ret.dataset["name"] = r.returnName ?? "";
  if (r.error !== undefined) return show(r.error);
  show(r.summary, r.maps || "(no data maps)", r.events || "(none)", r.printk || "(none)");
}

let timer: ReturnType<typeof setTimeout> | undefined;
source.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => void compile(), 400);
});
source.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    void compile();
  } else if (e.key === "Tab") {
    e.preventDefault();
    source.setRangeText("  ", source.selectionStart, source.selectionEnd, "end");
  }
});
exampleSelect.addEventListener("change", () => {
  loadExample(exampleSelect.value);
  void compile();
});
$("compile").addEventListener("click", () => void compile());
$("run").addEventListener("click", run);
$("share").addEventListener("click", async () => {
  const url = new URL(location.href);
  url.search = "";
  url.hash = await encodeFragment(source.value);
  history.replaceState(null, "", url);
  await navigator.clipboard?.writeText(url.href).catch(() => undefined);
  status.textContent = "link in the address bar (and the clipboard)";
});
$("build-packet").addEventListener("click", () => {
  const v = (id: string): string => $<HTMLInputElement>(id).value;
  const p = buildPacket({
    src: v("f-src"),
    dst: v("f-dst"),
    protocol: v("f-protocol"),
    sport: v("f-sport"),
    dport: v("f-dport"),
    payload: v("f-payload"),
  });
  if (typeof p === "string") {
    $("run-return").textContent = `packet fields: ${p}`;
    return;
  }
  inputKind.value = "packet";
  inputHex.value = formatHexBytes(p);
});
for (const b of document.querySelectorAll<HTMLButtonElement>("#tabs button"))
  b.addEventListener("click", () => showTab(b.dataset["tab"]!));

async function start(): Promise<void> {
  const names = Object.keys(assets.examples);
  exampleSelect.replaceChildren(
    new Option("(your code)", ""),
    ...names.map((n) => new Option(n, n)),
  );
  const params = new URLSearchParams(location.search);
  const shared = await decodeFragment(location.hash);
  const wanted = params.get("example");
  if (shared !== undefined) {
    source.value = shared;
    exampleSelect.value = names.find((n) => assets.examples[n] === shared) ?? "";
  } else if (wanted !== null && names.includes(wanted)) {
    const runNow = params.get("run") === "1";
    loadExample(wanted);
    const out = await compile();
    if (runNow && out?.ok) {
      programSelect.value = out.programs[0] ?? "";
      run();
    }
    return;
  } else {
    if (wanted !== null) status.textContent = `no example ${wanted}`;
    loadExample(names.includes("xdp-firewall") ? "xdp-firewall" : names[0]!);
  }
  await compile();
}

start().catch((e: unknown) => {
  setState("error", `playground failed to start: ${e instanceof Error ? e.message : String(e)}`);
});
