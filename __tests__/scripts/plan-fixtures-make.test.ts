/**
 * The plan fixtures' before state is the same on every run: what terraform test makes up for a
 * rendered resource (random strings) is replaced by values derived from where they are; what the
 * configuration and the render's overrides set is kept.
 */
import type { RenderedStack } from "../../terraform/render";
import { asApplied } from "../../scripts/plan-fixtures-make";

const ROLE = "aws_iam_role.web_role_1A2B3C4D";
const BUCKET_POLICY = "aws_s3_bucket_policy.bucket-policy_5E6F7A8B";
const DOCUMENT = "data.aws_iam_policy_document.trust_9C0D1E2F";
const TRUST = '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow"}]}';

/** A render of one stack, with `made` standing for what terraform test made up this time. */
function rendered(made: (what: string) => string): RenderedStack[] {
  return [
    {
      stack: "source-account",
      outputs: {},
      resources: [
        {
          address: ROLE,
          mode: "managed",
          type: "aws_iam_role",
          values: {
            name: "demo-web",
            arn: "arn:aws:iam::111111111111:role/demo-web",
            assume_role_policy: TRUST,
            create_date: made("create_date"),
            name_prefix: made("name_prefix"),
            max_session_duration: 3600,
            inline_policy: [{ name: "own", policy: made("inline policy") }],
            tags_all: { project: "demo" },
          },
        },
        { address: BUCKET_POLICY, mode: "managed", type: "aws_s3_bucket_policy", values: { bucket: "demo-artifacts", policy: TRUST, id: made("id") } },
        // Rendered by the provider itself (not overridden): the same every time.
        { address: DOCUMENT, mode: "data", type: "aws_iam_policy_document", values: { json: TRUST, id: "3457182230" } },
      ],
    },
  ];
}

/** A plan on an empty state: the role's arguments known, the bucket policy's known only after apply, the document read at apply. */
const EMPTY_PLAN = {
  "source-account": {
    planned_values: {
      root_module: {
        resources: [
          { address: ROLE, values: { name: "demo-web", max_session_duration: 3600, tags_all: { project: "demo" } } },
          { address: BUCKET_POLICY },
        ],
      },
    },
  },
};

/**
 * What the configuration and the overrides set: the role's name, trust and ARN, and in its inline
 * policy block the name only; the bucket policy's bucket and policy.
 */
const GIVEN = new Map([
  [
    "source-account",
    new Map([
      [ROLE, { name: "demo-web", assume_role_policy: "${data.aws_iam_policy_document.trust_9C0D1E2F.json}", max_session_duration: 3600, arn: "arn:aws:iam::111111111111:role/demo-web", inline_policy: { name: "own" } }],
      [BUCKET_POLICY, { bucket: "${aws_s3_bucket.bucket.bucket}", policy: "${data.aws_iam_policy_document.bucket.json}" }],
    ]),
  ],
]);

describe("asApplied", () => {
  const first = asApplied(rendered((what) => `${what} made up once`), EMPTY_PLAN, GIVEN);
  const second = asApplied(rendered((what) => `${what} made up again`), EMPTY_PLAN, GIVEN);

  it("is the same whatever terraform test made up", () => {
    expect(second).toEqual(first);
  });

  it("replaces what terraform test made up with eight letters and digits, each its own", () => {
    const role = first[0].resources[0].values;
    const made = [role.create_date, role.name_prefix, (role.inline_policy as { policy: string }[])[0].policy, first[0].resources[1].values.id];
    for (const value of made) expect(value).toMatch(/^[0-9a-f]{8}$/);
    expect(new Set(made).size).toBe(made.length);
  });

  it("keeps what the configuration and the overrides set, known at plan or only after apply, and data sources as rendered", () => {
    expect(first[0].resources[0].values).toMatchObject({
      name: "demo-web",
      arn: "arn:aws:iam::111111111111:role/demo-web",
      assume_role_policy: TRUST,
      max_session_duration: 3600,
      tags_all: { project: "demo" },
    });
    expect((first[0].resources[0].values.inline_policy as { name: string }[])[0].name).toBe("own");
    expect(first[0].resources[1].values).toMatchObject({ bucket: "demo-artifacts", policy: TRUST });
    expect(first[0].resources[2].values).toEqual({ json: TRUST, id: "3457182230" });
  });
});
