import { SourceRepository, type SourceRepositoryProps } from "../../constructs/source-repository";
import { synthConstruct } from "../../test-support/synth";

const props: SourceRepositoryProps = {
  name: "web",
  create: true,
  region: "eu-west-1",
  sourceAccountId: "111111111111",
  pipelineAccountIds: ["222222222222"],
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

  it("adopts an existing repository: no repository resource, policy by name, ARN and URL derived", () => {
    const { out, built } = synth({ ...props, name: "team/api", create: false });
    expect(out.resources("aws_ecr_repository")).toEqual({});
    expect(out.resource("aws_ecr_repository_policy", "repo/policy").repository).toBe("team/api");
    expect(built.repositoryArn).toBe("arn:aws:ecr:eu-west-1:111111111111:repository/team/api");
    expect(built.repositoryUrl).toBe("111111111111.dkr.ecr.eu-west-1.amazonaws.com/team/api");
    expect(out.json.data?.aws_ecr_repository).toBeUndefined();
  });
});
