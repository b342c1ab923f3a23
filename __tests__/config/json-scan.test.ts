import { scanJson } from "../../config/json-scan";

describe("scanJson", () => {
  it("finds nothing in a file without repeated keys, however the keys repeat across objects", () => {
    const text = JSON.stringify({ a: { name: "x" }, b: [{ name: "y" }, { name: "z", list: [1, "two", null, true, { k: {} }] }], name: 1 });
    expect(scanJson(text, 32)).toEqual({ duplicates: [] });
  });

  it("reports a key given twice in one object, with its path and each value as written", () => {
    const text = '{ "pipelines": [ {}, { "name": "web", "repository": { "name": "web" }, "name" : {"x": [1, 2]} } ] }';
    expect(scanJson(text, 32)).toEqual({ duplicates: [{ path: ["pipelines", 1, "name"], values: ['"web"', '{"x": [1, 2]}'] }] });
  });

  it("compares keys as JSON.parse reads them, escapes included", () => {
    expect(scanJson('{"name": 1, "na\\u006de": 2, "q\\"": 3, "q\\"": 4}', 32).duplicates).toEqual([
      { path: ["name"], values: ["1", "2"] },
      { path: ['q"'], values: ["3", "4"] },
    ]);
  });

  it("lists duplicates in the order of their second occurrence, every occurrence once", () => {
    const text = '{"a": {"x": 1, "x": 2, "x": 3}, "b": true, "b": false, "a": null}';
    expect(scanJson(text, 32).duplicates).toEqual([
      { path: ["a", "x"], values: ["1", "2", "3"] },
      { path: ["b"], values: ["true", "false"] },
      { path: ["a"], values: ['{"x": 1, "x": 2, "x": 3}', "null"] },
    ]);
  });

  it("does not mistake strings that look like JSON for structure", () => {
    expect(scanJson('{"a": "{\\"a\\": 1, [", "b": "}", "c": "\\\\"}', 32)).toEqual({ duplicates: [] });
  });

  it("stops at the first container deeper than the limit, without recursion, however deep the file", () => {
    const depth = 1_000_000;
    const text = `{"project": ${"[".repeat(depth)}${"]".repeat(depth)}}`;
    const scan = scanJson(text, 32);
    // The object is level 1, its 31 arrays levels 2 to 32: the next array is too deep.
    expect(scan.tooDeep).toEqual(["project", ...Array(31).fill(0)]);
  });

  it("accepts nesting up to the limit", () => {
    expect(scanJson(`${"[".repeat(32)}${"]".repeat(32)}`, 32)).toEqual({ duplicates: [] });
    expect(scanJson(`${"[".repeat(33)}${"]".repeat(33)}`, 32).tooDeep).toHaveLength(32);
  });
});
