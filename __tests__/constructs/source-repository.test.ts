import { SourceRepository, type SourceRepositoryProps } from "../../constructs/source-repository";
import { synthConstruct } from "../../test-support/synth";

const props: SourceRepositoryProps = {
  name: "web",
  create: true,
  region: "eu-west-1",
  sourceAccountId: "111111111111",
  pipelineAccountIds: ["222222222222"],
  expireUntaggedImagesAfterDays: 30,
};

function synth(p: SourceRepositoryProps) {
  let built!: SourceRepository;
  const out = synthConstruct((scope) => (built = new SourceRepository(scope, "repo", p)));
  return { out, built };
}

describe("SourceRepository", () => {
  it("creates a scanned repository that is never force-deleted", () => {
    const { out } = synth(props);
    expect(out.resource("aws_ecr_repository", "repo/repository")).toMatchObject({
      name: "web",
      image_scanning_configuration: { scan_on_push: true },
      image_tag_mutability: "MUTABLE",
      force_delete: false,
    });
  });

  it("lets the pipeline account pull, and nothing else", () => {
    const { out } = synth(props);
    expect(out.policyOf("aws_ecr_repository_policy", "repo/policy")).toEqual([
      {
        sid: "PipelineAccountPull",
        effect: "Allow",
        actions: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        principals: [{ type: "AWS", identifiers: ["arn:aws:iam::222222222222:root"] }],
      },
    ]);
  });

  it("attaches the policy to the repository it created", () => {
    const { out } = synth(props);
    const repositoryName = out.address("aws_ecr_repository", "repo/repository");
    expect(out.resource("aws_ecr_repository_policy", "repo/policy").repository).toBe(`\${${repositoryName}.name}`);
  });

  it("expires untagged images of a repository it creates after the configured days, or keeps them", () => {
    const { out } = synth(props);
    const lifecycle = out.resource("aws_ecr_lifecycle_policy", "repo/lifecycle");
    expect(lifecycle.repository).toBe(`\${${out.address("aws_ecr_repository", "repo/repository")}.name}`);
    expect(JSON.parse(String(lifecycle.policy))).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: "Expire untagged images 30 days after their push",
          selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 30 },
          action: { type: "expire" },
        },
      ],
    });
    expect(synth({ ...props, expireUntaggedImagesAfterDays: false }).out.resources("aws_ecr_lifecycle_policy")).toEqual({});
    expect(synth({ ...props, create: false }).out.resources("aws_ecr_lifecycle_policy")).toEqual({});
  });

  it("keeps an adopted repository's owner statements in the one policy it manages", () => {
    const owner = { Sid: "PlatformCiPushes", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:role/ci" }, Action: "ecr:PutImage" };
    const { out } = synth({ ...props, create: false, ownerStatements: [owner] });
    const reference = String(out.resource("aws_ecr_repository_policy", "repo/policy").policy);
    const document = out.dataSource("aws_iam_policy_document", "repo/policy-document");
    expect(reference).toBe(`\${${"data.aws_iam_policy_document." + Object.keys(out.json.data!.aws_iam_policy_document)[0]}.json}`);
    expect(document.source_policy_documents).toEqual([JSON.stringify({ Version: "2012-10-17", Statement: [owner] })]);
    expect(out.policyOf("aws_ecr_repository_policy", "repo/policy").map((s) => s.sid)).toEqual(["PipelineAccountPull"]);
  });

  it("adopts an existing repository: no repository resource, policy by name, ARN and URL derived", () => {
    const { out, built } = synth({ ...props, name: "team/api", create: false });
    expect(out.resources("aws_ecr_repository")).toEqual({});
    expect(out.resource("aws_ecr_repository_policy", "repo/policy").repository).toBe("team/api");
    expect(built.repositoryArn).toBe("arn:aws:ecr:eu-west-1:111111111111:repository/team/api");
    expect(built.repositoryUrl).toBe("111111111111.dkr.ecr.eu-west-1.amazonaws.com/team/api");
    expect(out.json.data?.aws_ecr_repository).toBeUndefined();
  });
});
