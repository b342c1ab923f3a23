import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, loadConfig, parseConfig } from "../../config/load";
import type { ConfigInput } from "../../config/schema";
import { configProblems, exampleInput, ROOT } from "../../test-support/config";

/** GIVEN the example config changed by `change`, WHEN it is parsed, THEN these are the problems. */
function problems(change: (c: ConfigInput & Record<string, unknown>) => void): readonly string[] {
  const input = exampleInput() as ConfigInput & Record<string, unknown>;
  change(input);
  return configProblems(input);
}

const REPO_NAME_RULE =
  'an ECR repository name: 2 to 256 characters, lowercase letters and digits in groups separated by ".", "_", "-" or "/", e.g. "team/web"';
const ACCOUNT_RULE = 'a 12-digit AWS account id as a string, e.g. "111111111111"';

describe("the example config", () => {
  it("is valid and gets the documented defaults", () => {
    const input = exampleInput();
    delete input.backend;
    delete input.pipelines[0].imageTag;
    delete input.pipelines[0].repository.create;

    const config = parseConfig(input, "example");

    expect(config.backend).toEqual({ type: "local", directory: "terraform-state" });
    expect(config.pipelines[0].imageTag).toBe("latest");
    expect(config.pipelines[0].repository.create).toBe(true);
    expect(config.preventDestroy).toBe(true);
  });

  it("defaults to a push trigger and a manual approval, and to granting the execution role pulls", () => {
    const input = exampleInput();
    delete input.pipelines[1].trigger;
    delete input.pipelines[1].deploy;
    const web = input.pipelines[0].deploy as Record<string, unknown>;
    delete web.grantExecutionRolePull;

    const config = parseConfig(input, "example");

    expect(config.pipelines[1].trigger).toBe("push");
    expect(config.pipelines[1].deploy).toEqual({ type: "approval" });
    expect(config.pipelines[0].deploy).toMatchObject({ type: "ecs", grantExecutionRolePull: true });
  });

  it.each(["*", ""])('accepts imageTag %j for "any tag"', (tag) => {
    const input = exampleInput();
    input.pipelines[0].imageTag = tag;
    expect(parseConfig(input, "example").pipelines[0].imageTag).toBe(tag);
  });

  it("accepts an S3 backend with native locking settings", () => {
    const input = exampleInput();
    input.backend = { type: "s3", bucket: "demo-tf-state", region: "eu-west-1", keyPrefix: "pipelines/demo" };
    expect(parseConfig(input, "example").backend).toEqual(input.backend);
  });
});

describe("bad input gives one clear line per problem: field, value given, what is expected", () => {
  it("rejects a file that is not JSON, with line and column", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "config-")), "bad.json");
    fs.writeFileSync(file, '{\n  "project": "demo",\n}\n');
    expect(() => loadConfig(file)).toThrow(
      `Invalid config ${file}:\n  - not valid JSON: Expected double-quoted property name at line 3, column 1`,
    );
  });

  it("rejects a config path that does not exist", () => {
    expect(() => loadConfig(path.join(ROOT, "config", "nope.json"))).toThrow(
      "file not found; expected a JSON config file (see config/example.json)",
    );
  });

  describe("what JSON.parse lets through", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-edges-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, text: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      return file;
    };

    it("reports a key given twice, where JSON.parse would silently keep the last", () => {
      const example = fs.readFileSync(path.join(ROOT, "config", "example.json"), "utf8");
      // The example, with a second name in the first pipeline and a second region at the top.
      const text = example.replace('"name": "web",', '"name": "web", "name": "api",').replace(/\n}\s*$/, ',\n  "region": "eu-west-1"\n}\n');
      const file = write("duplicates.json", text);
      expect(() => loadConfig(file)).toThrow(
        // In the order the second occurrences appear in the file.
        new ConfigError(file, [
          'pipelines[0].name: got "web", then "api" (the file gives the key "name" twice); expected each field once',
          'region: got "ap-northeast-1", then "eu-west-1" (the file gives the key "region" twice); expected each field once',
        ]),
      );
    });

    it("gives a pathologically nested file the usual one-line error, not a stack overflow", () => {
      const depth = 100_000;
      const file = write("deep.json", `{"project": ${"[".repeat(depth)}${"]".repeat(depth)}}`);
      expect(() => loadConfig(file)).toThrow(
        new ConfigError(file, [
          "project[0][0][0]...: nested more than 32 levels deep; expected at most 32 levels (no config field nests that deep, see config/example.json)",
        ]),
      );
    });
  });

  it("rejects a config that is not an object", () => {
    expect(() => parseConfig(["demo"], "test.json")).toThrow(
      'Invalid config test.json:\n  - (top level): got ["demo"]; expected a JSON object (see config/example.json)',
    );
  });

  it("names a missing field", () => {
    expect(problems((c) => delete (c as Partial<ConfigInput>).project)).toEqual([
      "project: missing; expected 2 to 12 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen",
    ]);
  });

  it("names an unknown field and lists the known ones", () => {
    expect(problems((c) => (c.pipelines[0] = { ...c.pipelines[0], imagetag: "v1" } as never))).toEqual([
      'pipelines[0]: unknown field "imagetag"; expected only: name, account, repository, imageTag, trigger, deploy',
    ]);
  });

  it("names an unknown top-level field", () => {
    expect(problems((c) => (c.regions = "eu-west-1"))).toEqual([
      '(top level): unknown field "regions"; expected only: $schema, project, region, sourceAccount, pipelineAccount, pipelineAccounts, pipelines, backend, artifactRetentionDays, preventDestroy',
    ]);
  });

  it.each([
    ["too short", "12345", '"12345"'],
    ["with letters", "11111111111a", '"11111111111a"'],
    ["a number, not a string", 111111111111, "111111111111"],
  ])("rejects an account id %s", (_, accountId, shown) => {
    expect(problems((c) => (c.sourceAccount.accountId = accountId as string))).toEqual([
      `sourceAccount.accountId: got ${shown}; expected ${ACCOUNT_RULE}`,
    ]);
  });

  it("rejects the same account for both stacks", () => {
    expect(problems((c) => (c.pipelineAccount = { accountId: c.sourceAccount.accountId }))).toEqual([
      'pipelineAccount.accountId: got "111111111111"; expected an account id different from sourceAccount.accountId (each account has its own stack)',
    ]);
  });

  it("rejects an unknown region and lists the known ones", () => {
    const [problem] = problems((c) => (c.region = "eu-west-9" as never));
    expect(problem).toMatch(/^region: got "eu-west-9"; expected an AWS region code, one of: af-south-1, .*, us-west-2$/);
    expect(problem).toContain("ap-northeast-1");
  });

  it("rejects a malformed role ARN", () => {
    expect(problems((c) => (c.pipelineAccount!.assumeRoleArn = "deployer"))).toEqual([
      'pipelineAccount.assumeRoleArn: got "deployer"; expected an IAM role ARN, e.g. "arn:aws:iam::222222222222:role/deployer"',
    ]);
  });

  it.each([
    ["uppercase", "Web"],
    ["a leading separator", "-web"],
    ["doubled separators", "web--app"],
    ["one character", "w"],
  ])("rejects a repository name with %s, as ECR would", (_, name) => {
    expect(problems((c) => (c.pipelines[0].repository.name = name))).toEqual([
      `pipelines[0].repository.name: got ${JSON.stringify(name)}; expected ${REPO_NAME_RULE}`,
    ]);
  });

  const URI = "444455556666.dkr.ecr.eu-central-1.amazonaws.com/acme/orders";
  const DIGEST = `@sha256:${"ab12".repeat(16)}`;
  it.each([
    ["a URI", URI, `"${URI}"`],
    ["a URI with a tag", `${URI}:v1.2`, `"${URI}:v1.2"`],
    ["a URI with a digest", `${URI}${DIGEST}`, `"${URI}@sha256:ab12ab12a...`],
    ["a URI with a tag and a digest", `${URI}:v1${DIGEST}`, `"${URI}:v1@sha256:ab12ab...`],
  ])("refuses %s as a repository name, naming the repository name to use", (_, uri, got) => {
    expect(problems((c) => (c.pipelines[0].repository.name = uri))).toEqual([
      `pipelines[0].repository.name: got ${got}; expected the repository's name, not its URI: "acme/orders" (the path after the registry's host, without a tag or digest)`,
    ]);
  });

  it("accepts a repository name that only looks like a host (ECR allows dots)", () => {
    const input = exampleInput();
    input.pipelines[0].repository.name = "dkr.ecr.example/web";
    expect(parseConfig(input, "test.json").pipelines[0].repository.name).toBe("dkr.ecr.example/web");
  });

  it("accepts namespaced repository names", () => {
    expect(problems((c) => ((c.pipelines[0].repository.name = "team/web.app_1"), (c.project = "X")))).toHaveLength(1);
  });

  it.each([
    ["uppercase", "Demo"],
    ["too long (13 characters)", "a".repeat(13)],
    ["a trailing hyphen", "demo-"],
    ["an underscore", "my_demo"],
  ])("rejects a project name with %s", (_, project) => {
    expect(problems((c) => (c.project = project))).toEqual([
      `project: got ${JSON.stringify(project)}; expected 2 to 12 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen`,
    ]);
  });

  // S3's bucket naming rules reserve these prefixes; the project starts the artifact bucket's name.
  it.each([
    ["xn--ab", "xn--"],
    ["sthree", "sthree-"],
    ["sthree-web", "sthree-"],
    ["amzn-s3-demo", "amzn-s3-demo-"],
  ])("rejects project %j, which starts the artifact bucket's name with %j, naming S3's rule", (project, prefix) => {
    expect(problems((c) => (c.project = project))).toEqual([
      `project: got "${project}"; expected a project that keeps the artifact bucket's name clear of the prefixes S3 reserves: ` +
        `"${project}-artifacts-<account>-<region>" starts with "${prefix}" (S3 bucket naming rules)`,
    ]);
  });

  it.each(["xn", "sthreex", "amzn-s3-dem", "s3alias"])("accepts project %j, close to a reserved prefix but clear of it", (project) => {
    expect(() => parseConfig({ ...exampleInput(), project }, "test.json")).not.toThrow();
  });

  it.each([
    ["too long (29 characters)", "a".repeat(29)],
    ["a dot", "web.app"],
    ["a leading digit", "1web"],
  ])("rejects a pipeline name with %s", (_, name) => {
    expect(problems((c) => (c.pipelines[0].name = name))).toEqual([
      `pipelines[0].name: got ${JSON.stringify(name)}; expected 1 to 28 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen`,
    ]);
  });

  it("rejects an image tag ECR would reject", () => {
    expect(problems((c) => (c.pipelines[0].imageTag = ".hidden"))).toEqual([
      'pipelines[0].imageTag: got ".hidden"; expected an ECR image tag (1 to 128 characters, letters, digits, "_", "." or "-", not starting with "." or "-"), or "*" for any tag',
    ]);
  });

  it("rejects an unknown trigger", () => {
    expect(problems((c) => (c.pipelines[0].trigger = "on-push" as never))).toEqual([
      'pipelines[0].trigger: got "on-push"; expected "push" (default: an image push starts the pipeline) or "manual"',
    ]);
  });

  it("rejects an unknown deploy type", () => {
    expect(problems((c) => (c.pipelines[1].deploy = { type: "lambda" } as never))).toEqual([
      'pipelines[1].deploy.type: got "lambda"; expected an object whose "type" is "approval" (a manual approval) or "ecs" (deploy to an ECS service)',
    ]);
  });

  it("names each missing field of an ECS deployment", () => {
    expect(problems((c) => (c.pipelines[1].deploy = { type: "ecs", cluster: "demo", service: "api" } as never))).toEqual([
      'pipelines[1].deploy.containerName: missing; expected the container in the task definition that runs the image: 1 to 255 letters, digits, "-" and "_"',
      'pipelines[1].deploy.executionRoleName: missing; expected the service\'s task execution role (in the pipeline account): its name (1 to 64 characters, letters, digits and +=,.@_-), or its ARN if it has a path, e.g. "arn:aws:iam::222222222222:role/service-role/ecsTaskExecutionRole"',
    ]);
  });

  it("rejects an ECS cluster name ECS would reject", () => {
    expect(problems((c) => ((c.pipelines[0].deploy as { cluster: string }).cluster = "my cluster"))).toEqual([
      `pipelines[0].deploy.cluster: got "my cluster"; expected the ECS cluster's name: 1 to 255 letters, digits, "-" and "_"`,
    ]);
  });

  it("rejects an unknown field of an ECS deployment, listing the known ones", () => {
    expect(problems((c) => ((c.pipelines[0].deploy as Record<string, unknown>).taskRole = "x"))).toEqual([
      'pipelines[0].deploy: unknown field "taskRole"; expected only: type, cluster, service, containerName, executionRoleName, taskRoleName, grantExecutionRolePull',
    ]);
  });

  it("rejects an empty pipeline list", () => {
    expect(problems((c) => (c.pipelines = []))).toEqual([
      "pipelines: got []; expected a list of at least one pipeline",
    ]);
  });

  it("rejects duplicate pipeline names", () => {
    expect(
      problems((c) => (c.pipelines[1] = { name: "web", repository: { name: "other" } })),
    ).toEqual(['pipelines[1].name: got "web"; expected a name no other pipeline has (pipelines[0] has it)']);
  });

  it("rejects two pipelines on one repository", () => {
    expect(problems((c) => (c.pipelines[1].repository.name = "web"))).toEqual([
      'pipelines[1].repository.name: got "web"; expected a repository no other pipeline uses (pipelines[0] uses it; a repository has one policy, managed once)',
    ]);
  });

  it("rejects pipeline names that share the 20-character artifact prefix", () => {
    expect(
      problems((c) => {
        c.pipelines[0].name = "checkout-service-a";
        c.pipelines[1].name = "checkout-service-b";
      }),
    ).toEqual([
      'pipelines[1].name: got "checkout-service-b"; expected a name whose pipeline name "demo-checkout-service-b" differs from that of pipelines[0] in the first 20 characters (CodePipeline files artifacts under them, and each pipeline may read only its own)',
    ]);
  });

  it("rejects an unknown backend type", () => {
    expect(problems((c) => (c.backend = { type: "gcs" } as never))).toEqual([
      'backend.type: got "gcs"; expected an object whose "type" is "local" or "s3" (state is kept locally, or in S3 with S3-native locking)',
    ]);
  });

  it("names each missing field of an S3 backend", () => {
    expect(problems((c) => (c.backend = { type: "s3", bucket: "demo-tf-state" } as never))).toEqual([
      expect.stringMatching(/^backend\.region: missing; expected an AWS region code, one of: /),
      'backend.keyPrefix: missing; expected a key prefix without a leading or trailing "/", e.g. "pipelines/demo"',
    ]);
  });

  it("rejects an S3 backend bucket name S3 would reject", () => {
    expect(
      problems((c) => (c.backend = { type: "s3", bucket: "Demo_State", region: "eu-west-1", keyPrefix: "p" })),
    ).toEqual(['backend.bucket: got "Demo_State"; expected an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens']);
  });

  it.each([
    ["xn--state", 'starts with "xn--"'],
    ["sthree-state", 'starts with "sthree-"'],
    ["amzn-s3-demo-state", 'starts with "amzn-s3-demo-"'],
    ["state-s3alias", 'ends with "-s3alias"'],
    ["state--ol-s3", 'ends with "--ol-s3"'],
    ["state.mrap", 'ends with ".mrap"'],
    ["state--x-s3", 'ends with "--x-s3"'],
    ["state--table-s3", 'ends with "--table-s3"'],
  ])("rejects S3 backend bucket %j, which S3 reserves, naming the rule", (bucket, rule) => {
    expect(problems((c) => (c.backend = { type: "s3", bucket, region: "eu-west-1", keyPrefix: "p" }))).toEqual([
      `backend.bucket: got "${bucket}"; expected a bucket name S3 allows: "${bucket}" ${rule}, which S3 reserves (S3 bucket naming rules)`,
    ]);
  });

  it("reports every problem at once", () => {
    expect(
      problems((c) => {
        c.project = "";
        c.pipelines[0].repository.create = "yes" as never;
      }),
    ).toHaveLength(2);
  });
});
