/**
 * renderPolicyDocument follows the AWS provider's own rendering of `aws_iam_policy_document`, so
 * that every policy's size is known at synth. These cases pin the rules it copies; the end-to-end
 * suite compares it, byte for byte, with what the real provider renders for both examples.
 */
import { renderPolicyDocument } from "../../lib/policy-json";

describe("renderPolicyDocument", () => {
  it("writes one action, resource or identifier as a string, and lists sorted in reverse", () => {
    expect(
      renderPolicyDocument({
        statement: [
          { sid: "One", actions: ["s3:PutObject"], resources: ["arn:aws:s3:::b/*"] },
          { sid: "Many", effect: "Deny", actions: ["b:B", "a:A", "c:C"], resources: ["r1", "r2"], principals: [{ type: "AWS", identifiers: ["x", "y"] }] },
        ],
      }),
    ).toBe(
      '{"Version":"2012-10-17","Statement":[{"Sid":"One","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"},' +
        '{"Sid":"Many","Effect":"Deny","Action":["c:C","b:B","a:A"],"Resource":["r2","r1"],"Principal":{"AWS":["y","x"]}}]}',
    );
  });

  it('writes the principal {"*": ["*"]} as "*", and conditions by test and variable, one value as a string', () => {
    expect(
      renderPolicyDocument({
        statement: [
          {
            sid: "S",
            actions: ["s3:*"],
            principals: [{ type: "*", identifiers: ["*"] }],
            condition: [
              { test: "StringEquals", variable: "b", values: ["2", "1"] },
              { test: "Bool", variable: "a", values: ["false"] },
            ],
          },
        ],
      }),
    ).toBe('{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Allow","Action":"s3:*","Principal":"*","Condition":{"Bool":{"a":"false"},"StringEquals":{"b":["2","1"]}}}]}');
  });

  it("puts the statements of source documents first, as read back by the provider, and lets ours replace one with the same Sid", () => {
    const owner = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "Owner", Effect: "Allow", Principal: { AWS: ["b", "a"] }, Action: ["ecr:PutImage"], Condition: { StringLike: { "aws:x": ["<y>"] }, Bool: { "aws:b": true } } },
        { Sid: "Ours", Effect: "Deny", Action: "x:Y", Unknown: "dropped" },
      ],
    });
    expect(renderPolicyDocument({ statement: [{ sid: "Ours", actions: ["ecr:BatchGetImage"] }], source_policy_documents: [owner] })).toBe(
      '{"Version":"2012-10-17","Statement":[' +
        '{"Sid":"Owner","Effect":"Allow","Action":["ecr:PutImage"],"Principal":{"AWS":["b","a"]},"Condition":{"Bool":{"aws:b":"true"},"StringLike":{"aws:x":"\\u003cy\\u003e"}}},' +
        '{"Sid":"Ours","Effect":"Allow","Action":"ecr:BatchGetImage"}]}',
    );
  });

  it("refuses an argument it has no model for, rather than size a policy wrong", () => {
    expect(() => renderPolicyDocument({ statement: [{ sid: "S", not_actions: ["a"] } as never] })).toThrow("policy statement S: no size model for not_actions");
  });
});
