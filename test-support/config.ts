/** The example config, for tests to vary. Loads no framework code: config tests stay light. */
import * as fs from "fs";
import * as path from "path";
import { ConfigError, parseConfig } from "../config/load";
import type { Config, ConfigInput } from "../config/schema";

export const ROOT = path.resolve(__dirname, "..");

/** The example config as a file would give it, for tests to vary. */
export function exampleInput(): ConfigInput {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "config", "example.json"), "utf8"));
}

export function config(change: (c: ConfigInput) => void = () => {}): Config {
  const input = exampleInput();
  change(input);
  return parseConfig(input, "test config");
}

/** WHEN `input` is parsed, THEN these are the problems it is rejected with (and it must be rejected). */
export function configProblems(input: unknown): readonly string[] {
  try {
    parseConfig(input, "test.json");
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected the config to be rejected");
}
