// CodeCommit's approval rules as its user guide describes them, to judge the stack's template
// contents with: each template associated with a repository becomes one approval rule on every
// pull request whose destination it names ("Working with approval rule templates"); a rule's
// statement is met by NumberOfApprovalsNeeded approvals from its pool, an empty pool taking anyone
// ("Create an approval rule for a pull request"); a pull request merges only once every rule is met
// ("Merge a pull request"); the author's own approval never counts
// (PullRequestCannotBeApprovedByAuthorException). Only AWS can show CodeCommit keeps to it.

export interface ApprovalRuleContent {
    readonly Version: string;
    readonly DestinationReferences?: readonly string[];
    readonly Statements: ReadonlyArray<{
        readonly Type: string;
        readonly NumberOfApprovalsNeeded: number;
        readonly ApprovalPoolMembers?: readonly string[];
    }>;
}

export interface PullRequest {
    /** `refs/heads/<branch>` */
    readonly destination: string;
    /** The author's ARN (a user, or a role session). */
    readonly author: string;
    /** Who approved the current revision, by ARN. */
    readonly approvers: readonly string[];
}

/** Whether an approver's ARN is a pool member, `*` standing for any run of characters. */
export function inPool(member: string, approver: string): boolean {
    const pattern = member
        .split("*")
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*");
    return new RegExp(`^${pattern}$`).test(approver);
}

/** Whether the pull request may be merged under these rules (as associated templates create them). */
export function mergeable(rules: readonly ApprovalRuleContent[], pullRequest: PullRequest): boolean {
    const counted = [...new Set(pullRequest.approvers)].filter((approver) => approver !== pullRequest.author);
    return rules
        .filter((rule) => rule.DestinationReferences === undefined || rule.DestinationReferences.includes(pullRequest.destination))
        .every((rule) =>
            rule.Statements.every((statement) => {
                const pool = statement.ApprovalPoolMembers ?? [];
                const approvals = counted.filter((approver) => pool.length === 0 || pool.some((member) => inPool(member, approver)));
                return approvals.length >= statement.NumberOfApprovalsNeeded;
            }),
        );
}
