/**
 * The language-service plugin inside a real tsserver, driven over its protocol (Content-Length
 * framed JSON on stdio): a temporary project with `"plugins": [{ "name": "tsbpf/ts-plugin" }]` and
 * node_modules/tsbpf linked to this checkout. Checks that TSB diagnostics arrive with their codes,
 * spans and source, that TypeScript's own errors are not doubled by follow-on TSB ones, and that
 * hover and completion details of a stdlib helper carry its TSDoc plus the kernel helper's
 * signature.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTsPlugin } from "../../ts-plugin/build.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A tsserver child and request/response over its protocol. */
class TsServer {
  private seq = 0;
  private buffer = Buffer.alloc(0);
  private readonly waiting = new Map<number, (r: Record<string, unknown>) => void>();
  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const head = this.buffer.indexOf("\r\n\r\n");
        if (head < 0) return;
        const len = Number(
          /Content-Length: (\d+)/.exec(this.buffer.subarray(0, head).toString())?.[1],
        );
        if (this.buffer.length < head + 4 + len) return;
        const msg = JSON.parse(this.buffer.subarray(head + 4, head + 4 + len).toString());
        this.buffer = this.buffer.subarray(head + 4 + len);
        if (msg.type === "response") this.waiting.get(msg.request_seq)?.(msg);
      }
    });
  }
  request(command: string, args: unknown): Promise<Record<string, unknown>> {
    const seq = ++this.seq;
    this.child.stdin.write(
      JSON.stringify({ seq, type: "request", command, arguments: args }) + "\n",
    );
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`tsserver: no answer to ${command}`)), 60_000);
      this.waiting.set(seq, (r) => {
        clearTimeout(t);
        resolve(r);
      });
    });
  }
  notify(command: string, args: unknown): void {
    this.child.stdin.write(
      JSON.stringify({ seq: ++this.seq, type: "request", command, arguments: args }) + "\n",
    );
  }
}

const PROBE = `import { xdp, u32, u64, getCurrentPidTgid, XDP_PASS } from "tsbpf";
export const p = xdp(() => {
  const o = { a: 1 };
  const id: u64 = getCurrentPidTgid();
  return XDP_PASS;
});
export const license = "GPL";
`;
const TYPE_ERROR = `import { xdp, u32, XDP_PASS } from "tsbpf";
export const p = xdp(() => {
  const n: u32 = "many";
  return XDP_PASS;
});
export const license = "GPL";
`;

describe("tsbpf/ts-plugin in tsserver", () => {
  let dir: string;
  let child: ChildProcessWithoutNullStreams;
  let server: TsServer;
  const probe = (): string => join(dir, "probe.ts");

  beforeAll(async () => {
    await buildTsPlugin(ROOT);
    dir = mkdtempSync(join(tmpdir(), "tsbpf-tsserver-"));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(ROOT.replace(/\/$/, ""), join(dir, "node_modules", "tsbpf"));
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: "ES2022",
          module: "ESNext",
          moduleResolution: "Bundler",
          noEmit: true,
          types: [],
          plugins: [{ name: "tsbpf/ts-plugin" }],
        },
        include: ["*.ts"],
      }),
    );
    writeFileSync(probe(), PROBE);
    writeFileSync(join(dir, "bad.ts"), TYPE_ERROR);
    child = spawn(
      process.execPath,
      [
        join(ROOT, "node_modules", "typescript", "lib", "tsserver.js"),
        "--pluginProbeLocations",
        dir,
        "--disableAutomaticTypingAcquisition",
      ],
      { cwd: dir, stdio: "pipe" },
    );
    server = new TsServer(child);
    server.notify("open", { file: probe(), projectRootPath: dir });
    server.notify("open", { file: join(dir, "bad.ts"), projectRootPath: dir });
  }, 120_000);

  afterAll(() => {
    child?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("adds the compiler's TSB diagnostics with code, span and source", async () => {
    const r = await server.request("semanticDiagnosticsSync", { file: probe() });
    const diags = r.body as {
      code: number;
      source?: string;
      text: string;
      start: { line: number; offset: number };
      end: { line: number; offset: number };
      category: string;
    }[];
    const ours = diags.filter((d) => d.source === "tsbpf");
    expect(ours.length).toBeGreaterThan(0);
    const obj = ours.find((d) => d.start.line === 3);
    expect(obj, JSON.stringify(diags)).toBeDefined();
    expect(obj!.text).toMatch(/^TSB\d{4}: /);
    expect(obj!.code).toBe(Number(/^TSB(\d{4})/.exec(obj!.text)![1]));
    expect(obj!.category).toBe("error");
    expect(obj!.start.offset).toBeGreaterThan(1);
    expect(obj!.end.line).toBe(3);
  });

  it("leaves TypeScript's errors alone, with no follow-on TSB diagnostics", async () => {
    const r = await server.request("semanticDiagnosticsSync", { file: join(dir, "bad.ts") });
    const diags = r.body as {
      code: number;
      source?: string;
      start: { line: number; offset: number };
    }[];
    expect(diags.map((d) => [d.code, d.source ?? "ts", d.start.line])).toEqual([[2322, "ts", 3]]);
  });

  it("follows edits: fixing the construct clears the TSB diagnostic", async () => {
    server.notify("change", {
      file: probe(),
      line: 3,
      offset: 1,
      endLine: 3,
      endOffset: 22,
      insertString: "  const o: u32 = 1;",
    });
    const r = await server.request("semanticDiagnosticsSync", { file: probe() });
    expect((r.body as { source?: string }[]).filter((d) => d.source === "tsbpf")).toEqual([]);
  });

  it("hover on a helper shows the stdlib TSDoc and the kernel helper", async () => {
    const r = await server.request("quickinfo", { file: probe(), line: 4, offset: 20 });
    const body = r.body as { displayString: string; documentation: string };
    expect(body.displayString).toContain("getCurrentPidTgid(): u64");
    expect(body.documentation).toContain("(bpf_get_current_pid_tgid)");
    expect(body.documentation).toContain("BPF helper #14: `__u64 bpf_get_current_pid_tgid(void)`");
  });

  it("completion lists the helpers, with the same documentation in the details", async () => {
    const at = { file: probe(), line: 1, offset: 10 }; // inside the import list
    const list = await server.request("completionInfo", at);
    const names = (list.body as { entries: { name: string }[] }).entries.map((e) => e.name);
    expect(names).toContain("getCurrentUidGid"); // names already imported are not offered again
    expect(names).toContain("ktimeGetNs");
    const det = await server.request("completionEntryDetails", {
      ...at,
      entryNames: ["ktimeGetNs"],
    });
    const d = (det.body as { documentation: { text: string }[] }[])[0]!;
    const doc = d.documentation.map((p) => p.text).join("");
    expect(doc).toContain("Return the time elapsed since system boot, in nanoseconds.");
    expect(doc).toMatch(/BPF helper #5: `__u64 bpf_ktime_get_ns\(void\)`/);
  });
});
