// IAM (query protocol: string parameters): roles with what DeleteRole wants gone first, as the
// sweep lists and deletes them.
import { createHash } from "node:crypto";
import { ACCOUNT_ID, AwsError, definedOnly, type ModelClock, type ServiceModel } from "./shared";

/** An IAM role and what DeleteRole wants gone first. */
export interface ModelRole {
    readonly path: string;
    /** Epoch ms of the model's clock. */
    readonly createdAt: number;
    readonly inlinePolicies: string[];
    /** Managed policy ARNs. */
    readonly attachedPolicies: string[];
    /** Names of the instance profiles the role is in. */
    readonly instanceProfiles: string[];
}

/** An IAM query-protocol answer: the `<Action>Result` element's members (arrays become `member` lists), or none. */
export interface QueryAnswer {
    readonly result?: Record<string, unknown>;
}

type Parameters = Record<string, string>;

export class IamModel implements ServiceModel {
    readonly invalidToken = ["InvalidClientTokenId", 403] as const;
    readonly operations = {
        ListRoles: (body: Parameters): QueryAnswer => {
            const roles = [...this.roles]
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([name, found]) => ({
                    Path: found.path,
                    RoleName: name,
                    RoleId: `AROA${createHash("sha1").update(name).digest("hex").slice(0, 16).toUpperCase()}`,
                    Arn: `arn:aws:iam::${ACCOUNT_ID}:role${found.path}${name}`,
                    CreateDate: new Date(found.createdAt).toISOString(),
                }));
            return this.list(body, "ListRoles", roles, "Roles");
        },
        ListRolePolicies: (body: Parameters) => this.list(body, "ListRolePolicies", this.role(body).inlinePolicies, "PolicyNames"),
        ListAttachedRolePolicies: (body: Parameters) =>
            this.list(
                body,
                "ListAttachedRolePolicies",
                this.role(body).attachedPolicies.map((arn) => ({ PolicyName: arn.split("/").pop(), PolicyArn: arn })),
                "AttachedPolicies",
            ),
        ListInstanceProfilesForRole: (body: Parameters) =>
            this.list(
                body,
                "ListInstanceProfilesForRole",
                this.role(body).instanceProfiles.map((name) => ({
                    InstanceProfileName: name,
                    Path: "/",
                    Arn: `arn:aws:iam::${ACCOUNT_ID}:instance-profile/${name}`,
                    CreateDate: new Date(this.clock.createdAt).toISOString(),
                })),
                "InstanceProfiles",
            ),
        DeleteRolePolicy: (body: Parameters) =>
            removeFrom(this.role(body).inlinePolicies, body.PolicyName, `role policy with name ${body.PolicyName}`),
        DetachRolePolicy: (body: Parameters) =>
            removeFrom(this.role(body).attachedPolicies, body.PolicyArn, `policy ${body.PolicyArn} attached to ${body.RoleName}`),
        RemoveRoleFromInstanceProfile: (body: Parameters) =>
            removeFrom(
                this.role(body).instanceProfiles,
                body.InstanceProfileName,
                `instance profile ${body.InstanceProfileName} with role ${body.RoleName}`,
            ),
        DeleteRole: (body: Parameters): QueryAnswer => {
            // IAM refuses to delete a role that still has policies or instance-profile links.
            const { inlinePolicies, attachedPolicies, instanceProfiles } = this.role(body);
            const conflict =
                inlinePolicies.length > 0
                    ? "must delete policies first"
                    : attachedPolicies.length > 0
                      ? "must detach all policies first"
                      : instanceProfiles.length > 0
                        ? "must remove roles from instance profile first"
                        : undefined;
            if (conflict !== undefined) throw new AwsError("DeleteConflict", `Cannot delete entity, ${conflict}.`, 409);
            this.roles.delete(body.RoleName);
            return {};
        },
    };
    /** IAM roles by name. */
    readonly roles = new Map<string, ModelRole>();

    constructor(private readonly clock: ModelClock) {}

    unimplemented(operation: string): AwsError {
        return new AwsError("InvalidAction", `FakeAws does not implement IAM ${operation}`);
    }

    addRole(name: string, role: Partial<ModelRole> = {}): void {
        this.roles.set(name, {
            path: "/",
            createdAt: this.clock.now(),
            inlinePolicies: [],
            attachedPolicies: [],
            instanceProfiles: [],
            ...role,
        });
    }

    private role(body: Parameters): ModelRole {
        const found = this.roles.get(body.RoleName);
        if (found === undefined) throw noSuchEntity(`role with name ${body.RoleName}`);
        return found;
    }

    private list(body: Parameters, operation: string, items: readonly unknown[], key: string): QueryAnswer {
        const page = this.clock.page(items, body.MaxItems, body.Marker, operation, 100, "InvalidInput");
        return { result: { [key]: page.items, IsTruncated: page.nextToken !== undefined, ...definedOnly({ Marker: page.nextToken }) } };
    }
}

function noSuchEntity(what: string): AwsError {
    return new AwsError("NoSuchEntity", `The ${what} cannot be found.`, 404);
}

function removeFrom(items: string[], item: string, what: string): QueryAnswer {
    if (!items.includes(item)) throw noSuchEntity(what);
    items.splice(items.indexOf(item), 1);
    return {};
}
