import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CopyAccount as CopyAccountConfig } from "../stack/config";

export interface CopyAccountArgs extends CopyAccountConfig {
    /** Where everything is deployed, in both accounts. */
    readonly region: string;
    /** Production's account (the default provider's): the sandbox must be another. */
    readonly productionAccountId: pulumi.Input<string>;
}

/** The only account the sandbox's provider may act in; production's own is refused, naming the setting. */
export function copyAccountAllowedIds(accountId: string, productionAccountId: string): string[] {
    if (accountId === productionAccountId) {
        throw new Error(
            `lambda-power-tuned:copyAccount.accountId = "${accountId}" is invalid: it is production's own account (the default provider's); allowed: another account, which pull-request code then runs in`,
        );
    }
    return [accountId];
}

/**
 * The AWS provider of the pull-request copies' own account (config `copyAccount`): it assumes the
 * deploy role there, starting from the credentials production's provider starts from, and may act
 * in that account only (`allowedAccountIds`), so no resource meant for the sandbox can land in
 * production's account, nor one meant for production in the sandbox.
 */
export class CopyAccount extends pulumi.ComponentResource {
    public readonly provider: aws.Provider;
    public readonly accountId: string;
    /** The role the stack deploys the sandbox with (writes every bucket there, as the deployer does in production's). */
    public readonly deployRoleArn: string;

    constructor(name: string, args: CopyAccountArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:CopyAccount", name, {}, opts);
        const { durationSeconds, ...role } = args.deployRole;
        this.accountId = args.accountId;
        this.deployRoleArn = role.roleArn;
        this.provider = new aws.Provider(
            `${name}-provider`,
            {
                region: args.region as aws.Region,
                assumeRoles: [{ ...role, ...(durationSeconds !== undefined && { duration: `${durationSeconds}s` }) }],
                // Refused before anything is created in the sandbox: one account would hold both sides again.
                allowedAccountIds: pulumi
                    .output(args.productionAccountId)
                    .apply((productionAccountId) => copyAccountAllowedIds(args.accountId, productionAccountId)),
            },
            { parent: this },
        );
        this.registerOutputs({ accountId: this.accountId });
    }
}
