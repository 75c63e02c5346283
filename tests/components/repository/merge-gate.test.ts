// The merge gate: what it takes to get a change into main. The approval rules are judged by a
// model of CodeCommit's documented rule semantics (tests/support/approval-rules.ts) over the
// template contents the stack registers; the protect-main policy by an IAM policy simulator over
// the document the stack registers, attached to a developer who may otherwise do anything in
// CodeCommit.
import * as assert from "node:assert";
import { PULL_REQUEST_BOT_SESSION_NAME } from "../../../buildscripts/contract";
import { parseStackConfig } from "../../../components/stack/config";
import { MergeGate } from "../../../components/repository/mergeGate";
import { type ApprovalRuleContent, mergeable } from "../../support/approval-rules";
import { type Decision, type Request, type SimulatedRole, StackIam } from "../../support/iam-simulator";
import { type MockedStack, mockedStack, ofType, resolved } from "../../support/mocked-stack";
import { registeredResources, TEST_ACCOUNT_ID as ACCOUNT, TEST_REGION as REGION } from "../../support/pulumi-mocks";

const REPOSITORY = `arn:aws:codecommit:${REGION}:${ACCOUNT}:power-tuned-functions`;
const MAIN = "refs/heads/main";
const BOT = `arn:aws:sts::${ACCOUNT}:assumed-role/power-tuned-pull-request-bot/${PULL_REQUEST_BOT_SESSION_NAME}`;
/** Sessions of the dev stack's reviewer role (Pulumi.dev.yaml: arn:aws:iam::<account>:role/Reviewers). */
const reviewer = (name: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/Reviewers/${name}`;
const developer = (name: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/Developers/${name}`;
const AUTHOR = developer("dana");

/** Template contents, the bot's first (templates register in the order their Outputs resolve). */
function contents(templates: readonly { inputs: Record<string, any> }[]): ApprovalRuleContent[] {
    const parsed: ApprovalRuleContent[] = templates.map((template) => JSON.parse(template.inputs.content));
    const isBots = (rule: ApprovalRuleContent) => rule.Statements.some((statement) => statement.ApprovalPoolMembers?.includes(BOT));
    return [...parsed.filter(isBots), ...parsed.filter((rule) => !isBots(rule))];
}

/** The template contents a merge gate registers for this raw config (on top of the dev region). */
async function rulesFor(name: string, raw: Record<string, unknown>): Promise<ApprovalRuleContent[]> {
    const config = parseStackConfig({ region: REGION, ...raw });
    const first = registeredResources.length;
    const gate = new MergeGate(name, {
        repository: { name: "repo", arn: `arn:aws:codecommit:${REGION}:${ACCOUNT}:repo` },
        mainBranch: "main",
        botSessionArn: BOT,
        reviewers: config.reviewers,
        requiredReviews: config.requiredReviews,
        namePrefix: "team",
        accountId: ACCOUNT,
        tags: {},
    });
    await resolved(gate.approvalRuleTemplateNames);
    return contents(
        registeredResources.slice(first).filter((resource) => resource.type === "aws:codecommit/approvalRuleTemplate:ApprovalRuleTemplate"),
    );
}

describe("merge gate", () => {
    let stack: MockedStack;
    before(async () => {
        stack = await mockedStack();
    });

    describe("the approval rules: the bot never stands alone", () => {
        let rules: ApprovalRuleContent[];
        before(() => {
            rules = contents(ofType(stack, "aws:codecommit/approvalRuleTemplate:ApprovalRuleTemplate"));
        });
        const merges = (...approvers: string[]) => mergeable(rules, { destination: MAIN, author: AUTHOR, approvers });

        it("are two templates for pull requests into main, both associated with the repository: the bot's one approval and the reviewers' requiredReviews", () => {
            assert.deepStrictEqual(rules, [
                {
                    Version: "2018-11-08",
                    DestinationReferences: [MAIN],
                    Statements: [{ Type: "Approvers", NumberOfApprovalsNeeded: 1, ApprovalPoolMembers: [BOT] }],
                },
                {
                    Version: "2018-11-08",
                    DestinationReferences: [MAIN],
                    // The role's ARN as the sessions of the role that approve: role name without its path.
                    Statements: [
                        {
                            Type: "Approvers",
                            NumberOfApprovalsNeeded: 1,
                            ApprovalPoolMembers: [`arn:aws:sts::${ACCOUNT}:assumed-role/Reviewers/*`],
                        },
                    ],
                },
            ]);
            const templateNames = ofType(stack, "aws:codecommit/approvalRuleTemplate:ApprovalRuleTemplate").map(
                (template) => template.state.name,
            );
            const associations = ofType(stack, "aws:codecommit/approvalRuleTemplateAssociation:ApprovalRuleTemplateAssociation").map(
                (association) => association.inputs,
            );
            assert.deepStrictEqual(
                associations,
                templateNames.map((approvalRuleTemplateName) => ({ approvalRuleTemplateName, repositoryName: "power-tuned-functions" })),
            );
        });

        it("the bot's approval alone does not merge a pull request into main", () => {
            assert.strictEqual(merges(BOT), false);
        });

        it("a reviewer's approval alone does not merge it either: a change the tuning policy failed stays out", () => {
            assert.strictEqual(merges(reviewer("rosa"), reviewer("ravi")), false);
        });

        it("a developer outside the reviewers does not count as the human review", () => {
            assert.strictEqual(merges(BOT, developer("mallory")), false);
        });

        it("the bot's approval and one reviewer's merge it", () => {
            assert.strictEqual(merges(BOT, reviewer("rosa")), true);
        });

        it("requiredReviews reviewers are needed, not fewer", async () => {
            const two = await rulesFor("two-reviews", { reviewers: ["arn:aws:iam::123456789012:role/team/Reviewers"], requiredReviews: 2 });
            const merge = (...approvers: string[]) => mergeable(two, { destination: MAIN, author: AUTHOR, approvers });
            assert.strictEqual(merge(BOT, reviewer("rosa")), false);
            assert.strictEqual(merge(BOT, reviewer("rosa"), reviewer("rosa")), false, "one person approving twice is one approval");
            assert.strictEqual(merge(BOT, reviewer("rosa"), reviewer("ravi")), true);
        });

        it("allowBotOnlyMerge gives exactly the bot-only rule, which the bot's approval satisfies", async () => {
            const botOnly = await rulesFor("bot-only", { requiredReviews: 0, allowBotOnlyMerge: true });
            assert.deepStrictEqual(botOnly, [
                {
                    Version: "2018-11-08",
                    DestinationReferences: [MAIN],
                    Statements: [{ Type: "Approvers", NumberOfApprovalsNeeded: 1, ApprovalPoolMembers: [BOT] }],
                },
            ]);
            assert.strictEqual(mergeable(botOnly, { destination: MAIN, author: AUTHOR, approvers: [BOT] }), true);
        });
    });

    describe("the protect-main policy, attached to a developer allowed everything in CodeCommit", () => {
        let iam: StackIam;
        let protectMainArn: string;
        let dev: SimulatedRole;
        before(() => {
            iam = new StackIam(stack);
            const protectMain = iam.managedPolicy("merge-gate-protect-main");
            protectMainArn = protectMain.arn;
            const everything = {
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Action: [
                            "codecommit:*",
                            "iam:DetachRolePolicy",
                            "iam:DetachUserPolicy",
                            "iam:CreatePolicyVersion",
                            "iam:DeletePolicy",
                        ],
                        Resource: "*",
                    },
                ],
            };
            dev = {
                arn: `arn:aws:iam::${ACCOUNT}:role/Developers`,
                name: "Developers",
                identityPolicies: [everything, protectMain.document],
            };
        });

        it("is <namePrefix>-protect-main under the stack's path, exported for teams to attach", () => {
            assert.strictEqual(protectMainArn, `arn:aws:iam::${ACCOUNT}:policy/lambda-power-tuned/power-tuned-protect-main`);
            assert.strictEqual(stack.outputs.protectMainPolicyArn, protectMainArn);
        });

        const onMain = (action: string): Request => ({ action, resource: REPOSITORY, context: { "codecommit:References": MAIN } });
        const attacks: Array<[string, () => Request]> = [
            ["a developer pushes straight to main", () => onMain("codecommit:GitPush")],
            ["a developer commits a file straight to main (PutFile)", () => onMain("codecommit:PutFile")],
            ["a developer deletes a file straight on main (DeleteFile)", () => onMain("codecommit:DeleteFile")],
            ["a developer writes a commit straight to main (CreateCommit)", () => onMain("codecommit:CreateCommit")],
            [
                "a developer merges a branch into main without a pull request (fast-forward)",
                () => onMain("codecommit:MergeBranchesByFastForward"),
            ],
            ["a developer merges a branch into main without a pull request (squash)", () => onMain("codecommit:MergeBranchesBySquash")],
            [
                "a developer merges a branch into main without a pull request (three-way)",
                () => onMain("codecommit:MergeBranchesByThreeWay"),
            ],
            ["a developer deletes main to recreate it", () => onMain("codecommit:DeleteBranch")],
            ["a developer recreates main at a commit of their choice", () => onMain("codecommit:CreateBranch")],
            [
                "a developer overrides the approval rules",
                () => ({ action: "codecommit:OverridePullRequestApprovalRules", resource: REPOSITORY }),
            ],
            [
                "a developer lowers the approval rule of their pull request",
                () => ({ action: "codecommit:UpdatePullRequestApprovalRuleContent", resource: REPOSITORY }),
            ],
            [
                "a developer deletes the approval rule of their pull request",
                () => ({ action: "codecommit:DeletePullRequestApprovalRule", resource: REPOSITORY }),
            ],
            [
                "a developer disassociates a template before opening a pull request",
                () => ({ action: "codecommit:DisassociateApprovalRuleTemplateFromRepository", resource: REPOSITORY }),
            ],
            [
                "a developer disassociates templates in a batch",
                () => ({ action: "codecommit:BatchDisassociateApprovalRuleTemplateFromRepositories", resource: REPOSITORY }),
            ],
            [
                "a developer rewrites an approval rule template",
                () => ({ action: "codecommit:UpdateApprovalRuleTemplateContent", resource: "*" }),
            ],
            ["a developer deletes an approval rule template", () => ({ action: "codecommit:DeleteApprovalRuleTemplate", resource: "*" })],
            [
                "a developer detaches the protect-main policy from their role",
                () => ({
                    action: "iam:DetachRolePolicy",
                    resource: `arn:aws:iam::${ACCOUNT}:role/Developers`,
                    context: { "iam:PolicyARN": protectMainArn },
                }),
            ],
            ["a developer rewrites the protect-main policy", () => ({ action: "iam:CreatePolicyVersion", resource: protectMainArn })],
        ];
        for (const [attack, request] of attacks) {
            it(`stops: ${attack}`, async () => {
                assert.strictEqual(await iam.decide({ ...dev, sessionName: "dana" }, request()), "ExplicitlyDenied");
            });
        }

        const work: Array<[string, () => Request, Decision]> = [
            [
                "pushes a feature branch",
                () => ({
                    action: "codecommit:GitPush",
                    resource: REPOSITORY,
                    context: { "codecommit:References": "refs/heads/feature/faster-digest" },
                }),
                "Allowed",
            ],
            [
                "pushes a branch whose name only starts with main",
                () => ({ action: "codecommit:GitPush", resource: REPOSITORY, context: { "codecommit:References": "refs/heads/main-fix" } }),
                "Allowed",
            ],
            [
                "makes a GitPush request that names no branch (left to the other policies, as AWS documents)",
                () => ({ action: "codecommit:GitPush", resource: REPOSITORY }),
                "Allowed",
            ],
            ["opens a pull request", () => ({ action: "codecommit:CreatePullRequest", resource: REPOSITORY }), "Allowed"],
            [
                "approves someone else's pull request",
                () => ({ action: "codecommit:UpdatePullRequestApprovalState", resource: REPOSITORY }),
                "Allowed",
            ],
            [
                "merges a pull request into main by fast-forward, once its rules are met",
                () => onMain("codecommit:MergePullRequestByFastForward"),
                "Allowed",
            ],
            ["merges a pull request into main by squash", () => onMain("codecommit:MergePullRequestBySquash"), "Allowed"],
            ["merges a pull request into main by three-way merge", () => onMain("codecommit:MergePullRequestByThreeWay"), "Allowed"],
            [
                "detaches another policy from their role",
                () => ({
                    action: "iam:DetachRolePolicy",
                    resource: `arn:aws:iam::${ACCOUNT}:role/Developers`,
                    context: { "iam:PolicyARN": `arn:aws:iam::${ACCOUNT}:policy/other` },
                }),
                "Allowed",
            ],
        ];
        for (const [what, request, expected] of work) {
            it(`still lets a developer: ${what}`, async () => {
                assert.strictEqual(await iam.decide({ ...dev, sessionName: "dana" }, request()), expected);
            });
        }
    });
});
