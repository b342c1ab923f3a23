/**
 * Helpers to read synthesized Terraform JSON in tests: find resources, and follow a resource's
 * policy attribute to the `aws_iam_policy_document` it references, so a test checks the policy
 * that is really attached rather than a document that merely exists.
 */
import * as os from "os";
import * as path from "path";
import type { Config } from "../config/schema";
import { buildApp } from "../stacks/app";
import { ROOT } from "./config";
import { App, TerraformStack, type Construct } from "../lib/cdktf";

export interface PolicyStatement {
  sid: string;
  effect: string;
  actions: string[];
  resources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  condition?: { test: string; variable: string; values: string[] }[];
}

type Block = Record<string, unknown> & { "//"?: { metadata?: { path?: string } } };

export class Synth {
  readonly json: {
    resource?: Record<string, Record<string, Block>>;
    data?: Record<string, Record<string, Block>>;
    output?: Record<string, { value: string; description?: string }>;
    provider?: Record<string, Record<string, unknown>[]>;
    terraform?: Record<string, unknown>;
    moved?: { from: string; to: string }[];
  };

  constructor(readonly text: string) {
    this.json = JSON.parse(text);
  }

  /** All resources of a type, by logical name. */
  resources(type: string): Record<string, Block> {
    return this.json.resource?.[type] ?? {};
  }

  /** The one resource of a type whose construct path ends with `pathSuffix` (without its metadata). */
  resource(type: string, pathSuffix: string): Block {
    return withoutMetadata(this.only(this.resources(type), type, pathSuffix)[1]);
  }

  dataSource(type: string, pathSuffix: string): Block {
    return withoutMetadata(this.only(this.json.data?.[type] ?? {}, type, pathSuffix)[1]);
  }

  /** Terraform address (`type.name`) of the one resource of a type whose path ends with `pathSuffix`. */
  address(type: string, pathSuffix: string): string {
    return `${type}.${this.only(this.resources(type), type, pathSuffix)[0]}`;
  }

  /**
   * The policy document that `attribute` of the resource references: its name, and which of its
   * renderings (`json` or `minified_json`) the resource takes.
   */
  documentReference(type: string, pathSuffix: string, attribute = "policy"): { name: string; rendering: "json" | "minified_json" } {
    const reference = this.resource(type, pathSuffix)[attribute];
    const match = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.((?:minified_)?json)\}$/.exec(String(reference));
    if (!match) throw new Error(`${type} ${pathSuffix}.${attribute} is not a policy document reference: ${reference}`);
    return { name: match[1], rendering: match[2] as "json" | "minified_json" };
  }

  /** The statements of the policy document that `attribute` of the resource references. */
  policyOf(type: string, pathSuffix: string, attribute = "policy"): PolicyStatement[] {
    const { name } = this.documentReference(type, pathSuffix, attribute);
    const doc = this.json.data?.aws_iam_policy_document?.[name];
    if (!doc) throw new Error(`no aws_iam_policy_document.${name}`);
    return doc.statement as PolicyStatement[];
  }

  /** The statement with `sid` of the policy that `attribute` of the resource references. */
  statement(type: string, pathSuffix: string, sid: string, attribute = "policy"): PolicyStatement {
    const statements = this.policyOf(type, pathSuffix, attribute);
    const found = statements.filter((s) => s.sid === sid);
    if (found.length !== 1) {
      throw new Error(`expected one statement ${sid}, found ${found.length} among ${statements.map((s) => s.sid)}`);
    }
    return found[0];
  }

  private only(blocks: Record<string, Block>, type: string, pathSuffix: string): [string, Block] {
    const matches = Object.entries(blocks).filter(([, b]) => b["//"]?.metadata?.path?.endsWith(`/${pathSuffix}`));
    if (matches.length !== 1) {
      const paths = Object.values(blocks).map((b) => b["//"]?.metadata?.path);
      throw new Error(`expected one ${type} at …${pathSuffix}, found ${matches.length} among ${paths.join(", ")}`);
    }
    return matches[0];
  }
}

export const PATHS = { outdir: path.join(ROOT, "cdktf.out"), projectRoot: ROOT };

/**
 * A stack's Terraform JSON, as CDKTF's `Testing.synth` makes it but keeping the construct-path
 * metadata that the helpers above find blocks by.
 */
function withoutMetadata(block: Block): Block {
  const { "//": _, ...rest } = block;
  return rest;
}

function synthStack(stack: TerraformStack): Synth {
  return new Synth(JSON.stringify(stack.toTerraform()));
}

/**
 * Every stack of a config, synthesized in memory: `pipeline` is the first pipeline-account stack
 * (the only one of a config with one `pipelineAccount`), `pipelines` all of them by stack name.
 */
export function synthApp(c: Config): { source: Synth; pipeline: Synth; pipelines: Record<string, Synth> } {
  const { source, pipelines } = buildApp(c, PATHS);
  const synthesized = Object.fromEntries(pipelines.map((s) => [s.node.id, synthStack(s)]));
  return { source: synthStack(source), pipeline: synthStack(pipelines[0]), pipelines: synthesized };
}

/**
 * Where construct tests' apps point. Nothing is written there (stacks are read with
 * `toTerraform()`); `Testing.app()` would instead leave a new temp directory behind on every call.
 */
const UNUSED_OUTDIR = path.join(os.tmpdir(), "cross-account-ecr-pipeline-tests");

/** One construct in an otherwise empty stack. */
export function synthConstruct(build: (scope: Construct) => void): Synth {
  const stack = new TerraformStack(new App({ outdir: UNUSED_OUTDIR }), "stack");
  build(stack);
  return synthStack(stack);
}
