import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, type RoleTrust, type Statement, trustPolicy } from "./policies";
import { STACK_ROLE_PATH } from "../stack/stackNames";

export interface ServiceRoleArgs {
    /** Who may assume the role: an AWS service of this account, or one role's fixed session. */
    readonly trust: RoleTrust;
    /**
     * A fixed role name, for a role others must name before it exists (a trust policy, an
     * approval pool). Default: Pulumi's auto-name.
     */
    readonly roleName?: string;
    /** Everything the role may do (built in policies.ts). */
    readonly statements: readonly Statement[];
    readonly tags: Readonly<Record<string, string>>;
}

/** An IAM role with exactly one inline policy, under the stack's role path. */
export class ServiceRole extends pulumi.ComponentResource {
    public readonly arn: pulumi.Output<string>;
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: ServiceRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:ServiceRole", name, {}, opts);

        const role = new aws.iam.Role(
            name,
            {
                name: args.roleName,
                path: STACK_ROLE_PATH,
                assumeRolePolicy: trustPolicy(args.trust),
                tags: args.tags,
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(`${name}-policy`, { role: role.id, policy: policyDocument(args.statements) }, { parent: this });

        this.arn = role.arn;
        this.name = role.name;
        this.registerOutputs({ arn: this.arn, name: this.name });
    }
}
