/**
 * Stopping Terraform once the events the caller waits for are out (terraformAsync's `stopAfter`),
 * with a stand-in `terraform` on PATH: a shell script that prints events and then works on, as
 * `terraform test` does when it tears down.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { eventLines, terraformAsync, type JsonEvent } from "../../terraform/cli";
import { runningProcesses } from "../../test-support/process";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "terraform-cli-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** An environment whose `terraform` is `script` (a shell script body). */
function standIn(name: string, script: string): NodeJS.ProcessEnv {
  const bin = path.join(work, name);
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, "terraform"), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return { ...process.env, PATH: `${bin}:${process.env.PATH}` };
}

describe("eventLines", () => {
  it("parses each short JSON line, however the chunks split it, and passes over text and overlong lines", () => {
    const events: JsonEvent[] = [];
    const feed = eventLines((e) => events.push(e));
    const long = JSON.stringify({ type: "test_state", state: "x".repeat(70_000) });
    const text = `{"type":"a","n":1}\nnot json\n${long}\n{"type":"b","s":"é"}\n[1]\n{"type":"c"}`;
    const bytes = Buffer.from(text);
    // Chunks of 7 bytes: lines, and the two-byte é, are split across chunks.
    for (let i = 0; i < bytes.length; i += 7) feed(bytes.subarray(i, i + 7));
    // The last line has no newline yet: it is not complete.
    expect(events).toEqual([{ type: "a", n: 1 }, { type: "b", s: "é" }]);
    feed(Buffer.from("\n"));
    expect(events.map((e) => e.type)).toEqual(["a", "b", "c"]);
  });
});

describe("terraformAsync with stopAfter", () => {
  it("stops Terraform and what it started once the awaited event is out, keeping the output so far", async () => {
    const pidFile = path.join(work, "child.pid");
    const env = standIn(
      "slow",
      `sleep 60 & echo $! > ${pidFile}
echo '{"type":"test_run","n":1}'
echo '{"type":"test_file","test_file":{"progress":"teardown"}}'
sleep 60
echo '{"type":"after"}'`,
    );
    const started = Date.now();
    const result = await terraformAsync(["test", "-json"], work, env, undefined, (e) => e.type === "test_file");
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.stopped).toBe(true);
    expect(result.stdout).toContain('"n":1');
    expect(result.stdout).not.toContain("after");
    const child = fs.readFileSync(pidFile, "utf8").trim();
    // The process group went with it: the background sleep too.
    expect(runningProcesses(({ cmdline }) => cmdline.startsWith("sleep\u000060")).filter((pid) => pid === child)).toEqual([]);
  });

  it("lets Terraform finish, with its own status, when the event never comes", async () => {
    const env = standIn("quick", `echo '{"type":"test_run"}'\nexit 3`);
    const result = await terraformAsync(["test", "-json"], work, env, undefined, (e) => e.type === "test_file");
    expect(result).toEqual(expect.objectContaining({ status: 3, stdout: '{"type":"test_run"}\n' }));
    expect(result.stopped).toBeUndefined();
  });
});
