import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, protectMainStatements, stackPolicyArn } from "../iam/policies";
import { STACK_ROLE_PATH } from "../stack/stackNames";

export interface MergeGateArgs {
    readonly repository: { readonly name: pulumi.Input<string>; readonly arn: pulumi.Input<string> };
    /** The branch pull requests are merged into and production is deployed from. */
    readonly mainBranch: string;
    /** The pull-request bot's fixed session: the bot rule's one pool member. */
    readonly botSessionArn: pulumi.Input<string>;
    /** The human approval pool (config `reviewers`, as pool members). */
    readonly reviewers: readonly string[];
    /** Approvals needed from `reviewers`; 0 leaves the bot's approval alone (config `allowBotOnlyMerge`). */
    readonly requiredReviews: number;
    /** Names the policy `<namePrefix>-protect-main`. */
    readonly namePrefix: string;
    readonly accountId: pulumi.Input<string>;
    readonly tags: Readonly<Record<string, string>>;
}

/** An approval rule template's content: `approvals` from `pool`, for pull requests into `branch`. */
function approvalRule(branch: string, approvals: number, pool: pulumi.Input<string>[]): pulumi.Output<string> {
    return pulumi.jsonStringify({
        Version: "2018-11-08",
        DestinationReferences: [`refs/heads/${branch}`],
        Statements: [{ Type: "Approvers", NumberOfApprovalsNeeded: approvals, ApprovalPoolMembers: pool }],
    });
}

/**
 * What it takes to merge into the main branch. Two approval rule templates, both associated with
 * the repository: the bot's (one approval from its fixed session, given only when the tuning
 * policy passes) and the people's (`requiredReviews` approvals from `reviewers`, which can never
 * name the bot). Each associated template becomes its own approval rule on every pull request,
 * and CodeCommit merges a pull request only once all its approval rules are satisfied (CodeCommit
 * user guide, "Merge a pull request"); two rules, not one rule with both pools, so that neither
 * approvals stand in for the other. With `requiredReviews` 0 only the bot's rule exists.
 *
 * The rules bind only the pull-request path: the `<namePrefix>-protect-main` policy, for teams to
 * attach to every developer, refuses every other way into the main branch and every way of
 * setting the rules aside.
 */
export class MergeGate extends pulumi.ComponentResource {
    public readonly approvalRuleTemplateNames: pulumi.Output<string[]>;
    public readonly protectMainPolicyArn: pulumi.Output<string>;

    constructor(name: string, args: MergeGateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:MergeGate", name, {}, opts);
        const rules = [
            {
                suffix: "bot-approval",
                description: "Requires the pull-request bot's approval: it approves only when the tuning policy passes.",
                content: approvalRule(args.mainBranch, 1, [args.botSessionArn]),
            },
            ...(args.requiredReviews > 0
                ? [
                      {
                          suffix: "review-approval",
                          description: `Requires ${args.requiredReviews} approval(s) from the stack's reviewers, besides the pull-request bot's.`,
                          content: approvalRule(args.mainBranch, args.requiredReviews, [...args.reviewers]),
                      },
                  ]
                : []),
        ];
        const templates = rules.map(({ suffix, description, content }) => {
            const template = new aws.codecommit.ApprovalRuleTemplate(`${name}-${suffix}`, { description, content }, { parent: this });
            new aws.codecommit.ApprovalRuleTemplateAssociation(
                `${name}-${suffix}-association`,
                { approvalRuleTemplateName: template.name, repositoryName: args.repository.name },
                { parent: this },
            );
            return template;
        });

        const policyName = `${args.namePrefix}-protect-main`;
        const protectMain = new aws.iam.Policy(
            `${name}-protect-main`,
            {
                name: policyName,
                path: STACK_ROLE_PATH,
                description: `Attach to every developer: no direct write to ${args.mainBranch} (only merging an approved pull request), no setting the approval rules aside.`,
                policy: policyDocument(
                    protectMainStatements(args.repository.arn, args.mainBranch, stackPolicyArn(args.accountId, policyName)),
                ),
                tags: args.tags,
            },
            { parent: this },
        );

        this.approvalRuleTemplateNames = pulumi.all(templates.map((template) => template.name));
        this.protectMainPolicyArn = protectMain.arn;
        this.registerOutputs({
            approvalRuleTemplateNames: this.approvalRuleTemplateNames,
            protectMainPolicyArn: this.protectMainPolicyArn,
        });
    }
}
