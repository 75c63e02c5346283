// Summary of a Terraform plan (`terraform show -json <planfile>`) for the pull request (functional core).

import { InputError } from "./errors";
import { isRecord } from "./json";

/** One resource's planned change, from `terraform show -json`'s `resource_changes`. */
export type PlanAction = "create" | "update" | "replace" | "delete" | "read";

export interface PlannedChange {
    readonly address: string;
    readonly action: PlanAction;
}

export interface PlanSummary {
    readonly toAdd: number;
    readonly toChange: number;
    readonly toReplace: number;
    readonly toDestroy: number;
    /** No-ops are left out. */
    readonly changes: readonly PlannedChange[];
}

const FIELD = "Terraform plan";
const PLAN_FORM = "the JSON printed by `terraform show -json <planfile>` (format_version 1.x)";

// `change.actions` as Terraform writes them; a replacement lists delete and create in the order
// it will run them (create first under create_before_destroy). No-ops are left out of the summary.
const ACTIONS: ReadonlyMap<string, PlanAction | "no-op"> = new Map([
    ["create", "create"],
    ["update", "update"],
    ["delete", "delete"],
    ["delete,create", "replace"],
    ["create,delete", "replace"],
    ["read", "read"],
    ["no-op", "no-op"],
]);

/**
 * Counts as Terraform prints them ("Plan: 5 to add, 1 to change, 5 to destroy": a replacement
 * counts as one add and one destroy) plus the replacements on their own, and every resource
 * that changes with its action, in plan order.
 */
export function summarizeTerraformPlan(plan: unknown): PlanSummary {
    if (!isRecord(plan) || typeof plan.format_version !== "string") {
        throw InputError.invalid(FIELD, isRecord(plan) ? "an object without format_version" : plan, PLAN_FORM);
    }
    if (!plan.format_version.startsWith("1.")) throw InputError.invalid(`${FIELD} format_version`, plan.format_version, PLAN_FORM);
    const resourceChanges = plan.resource_changes ?? [];
    if (!Array.isArray(resourceChanges)) throw InputError.invalid(`${FIELD} resource_changes`, resourceChanges, "a list");
    const changes = resourceChanges
        .map((resourceChange, index) => plannedChange(resourceChange, index))
        .filter((change): change is PlannedChange => change !== undefined);
    const count = (action: PlanAction) => changes.filter((change) => change.action === action).length;
    return {
        toAdd: count("create") + count("replace"),
        toChange: count("update"),
        toReplace: count("replace"),
        toDestroy: count("delete") + count("replace"),
        changes,
    };
}

function plannedChange(resourceChange: unknown, index: number): PlannedChange | undefined {
    const at = `${FIELD} resource_changes[${index}]`;
    if (!isRecord(resourceChange) || typeof resourceChange.address !== "string" || !isRecord(resourceChange.change)) {
        throw InputError.invalid(at, resourceChange, "an object with address and change.actions");
    }
    const actions = resourceChange.change.actions;
    const action = Array.isArray(actions) ? ACTIONS.get(actions.join(",")) : undefined;
    if (action === undefined) {
        throw InputError.invalid(
            `${at}.change.actions`,
            actions,
            [...ACTIONS.keys()].map((key) => JSON.stringify(key.split(","))).join(", "),
            resourceChange.address,
        );
    }
    return action === "no-op" ? undefined : { address: resourceChange.address, action };
}
