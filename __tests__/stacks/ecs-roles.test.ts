import { ConfigError } from "../../config/load";
import { config } from "../../test-support/config";
import { synthApp } from "../../test-support/synth";

const EXECUTION = "arn:aws:iam::222222222222:role/service-role/ecsTaskExecutionRole";

describe("ECS roles named by ARN, with a path", () => {
  const { pipeline } = synthApp(
    config((c) => {
      const deploy = c.pipelines[0].deploy as Record<string, unknown>;
      deploy.executionRoleName = EXECUTION;
      deploy.taskRoleName = "demo-web-task";
    }),
  );

  it("passes the role under its real ARN, path included", () => {
    const passRole = pipeline.statement("aws_iam_role_policy", "web/service-role/permissions", "PassTaskRolesToEcs");
    expect(passRole.resources).toEqual([EXECUTION, "arn:aws:iam::222222222222:role/demo-web-task"]);
  });

  it("attaches the pull policy to the role by its name, which IAM takes without the path", () => {
    expect(pipeline.resource("aws_iam_role_policy", "web/ecs-deployment/execution-role-pull").role).toBe("ecsTaskExecutionRole");
  });

  it("refuses a role ARN of another account than the pipeline's", () => {
    expect(() =>
      config((c) => ((c.pipelines[0].deploy as Record<string, unknown>).executionRoleName = "arn:aws:iam::999999999999:role/x")),
    ).toThrow(
      new ConfigError("test config", [
        'pipelines[0].deploy.executionRoleName: got "arn:aws:iam::999999999999:role/x"; expected a role in account 222222222222, the pipeline account this pipeline runs in (ECS passes only roles of its own account)',
      ]),
    );
  });
});
