// `sweep`: removes what pull requests' throw-away copies left behind, by name and age, in an order
// AWS accepts (a function's event source mappings, then the function; a role's inline policies,
// attached policies and instance-profile links, then the role; log groups; the state objects last),
// writes the report, and on a pull request says in its comment what became of the copy. One failed
// call fails its item only; the sweep goes on with the next.
import type { AwsClients, Listed, SweepableResources } from "../aws/ports";
import { describeError, EXIT_FAILED } from "../core/errors";
import type { SweepRequest } from "../core/requests";
import { s3Uri } from "../core/s3Location";
import {
    copyOwnerOf,
    type CopyOwner,
    isSweptFunction,
    LAMBDA_LOG_GROUP_PREFIX,
    notOwnedOrTooOld,
    isSweptKey,
    isSweptLogGroup,
    copyRoleName,
    isSweptRole,
    sweepCutoff,
    sweptKeyPrefix,
    sweptLogGroupPrefix,
    SWEPT_KIND_WORDS,
    SWEPT_KINDS,
    tooYoungToSweep,
    type SweptKind,
} from "../core/sweep";
import { buildSweepReport, countOutcomes, sweepExitCode, type SweptItem, type Unlisted } from "../core/sweepReport";
import { renderCopySection } from "../markdown/copySection";
import { publishMarkdown } from "./publish";
import type { Runtime } from "./runtime";

/** One call that removes something: what it removes (for the report) and the call itself. */
interface Removal {
    /** e.g. `inline policy write-own-logs`; undefined for the item itself, the last removal. */
    readonly what?: string;
    readonly run: () => Promise<void>;
}

/** A listed item, with its name as its copy's prefix starts it (kinds of copies only). */
interface Candidate extends Listed {
    readonly ownedName?: string;
}

/** How a sweep finds and removes one kind of thing. */
interface KindSweep {
    /** The namespace's items of this kind (list errors are the kind's, not an item's). */
    readonly list: () => Promise<Candidate[]>;
    /** Whether its items belong to copies (swept by ownership when the owners are known), or are swept by age only. */
    readonly ofCopies: boolean;
    /** The calls that remove an item, in order; reading what goes with it may fail the item. */
    readonly removals: (name: string) => Promise<Removal[]>;
}

/** A call's failure as `Operation target: Name: message`, for the log, the report and the comment. */
async function call<T>(operation: string, target: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
        return await run();
    } catch (error) {
        throw new Error(`${operation}${target === undefined ? "" : ` ${target}`}: ${describeError(error)}`);
    }
}

function kindSweeps(request: SweepRequest, clients: Pick<AwsClients, "sweepable">): Partial<Record<SweptKind, KindSweep>> {
    const { functions, roles, logGroups, objects } = clients.sweepable;
    const { namePrefix, state } = request;
    return {
        function: {
            list: async () =>
                (await call("ListFunctions", undefined, () => functions.list()))
                    .filter((fn) => isSweptFunction(fn.name, namePrefix))
                    .map((fn) => ({ ...fn, ownedName: fn.name })),
            ofCopies: true,
            removals: async (name) => [
                ...(await call("ListEventSourceMappings", name, () => functions.eventSourceMappings(name))).map((uuid) => ({
                    what: `event source mapping ${uuid}`,
                    run: () => call("DeleteEventSourceMapping", uuid, () => functions.deleteEventSourceMapping(uuid)),
                })),
                { run: () => call("DeleteFunction", name, () => functions.delete(name)) },
            ],
        },
        role: {
            list: async () =>
                (await call("ListRoles", undefined, () => roles.list()))
                    .filter((role) => isSweptRole(role.path, role.name, namePrefix))
                    .map((role) => ({ ...role, ownedName: copyRoleName(role.path, role.name) })),
            ofCopies: true,
            removals: async (name) => {
                const inline = await call("ListRolePolicies", name, () => roles.inlinePolicies(name));
                const attached = await call("ListAttachedRolePolicies", name, () => roles.attachedPolicies(name));
                const profiles = await call("ListInstanceProfilesForRole", name, () => roles.instanceProfiles(name));
                return [
                    ...inline.map((policy) => ({
                        what: `inline policy ${policy}`,
                        run: () => call("DeleteRolePolicy", `${name} ${policy}`, () => roles.deleteInlinePolicy(name, policy)),
                    })),
                    ...attached.map((arn) => ({
                        what: `attached policy ${arn}`,
                        run: () => call("DetachRolePolicy", `${name} ${arn}`, () => roles.detachPolicy(name, arn)),
                    })),
                    ...profiles.map((profile) => ({
                        what: `instance profile ${profile}`,
                        run: () =>
                            call("RemoveRoleFromInstanceProfile", `${profile} ${name}`, () =>
                                roles.removeFromInstanceProfile(name, profile),
                            ),
                    })),
                    { run: () => call("DeleteRole", name, () => roles.delete(name)) },
                ];
            },
        },
        "log-group": {
            list: async () => {
                const prefix = sweptLogGroupPrefix(namePrefix);
                return (await call("DescribeLogGroups", prefix, () => logGroups.list(prefix)))
                    .filter((group) => isSweptLogGroup(group.name, namePrefix))
                    .map((group) => ({ ...group, ownedName: group.name.slice(LAMBDA_LOG_GROUP_PREFIX.length) }));
            },
            ofCopies: true,
            removals: async (name) => [{ run: () => call("DeleteLogGroup", name, () => logGroups.delete(name)) }],
        },
        ...(state && {
            "state-object": {
                list: async () => {
                    const listed = await call("ListObjectsV2", s3Uri(state), () =>
                        objects.list(state.bucket, sweptKeyPrefix(state.prefix)),
                    );
                    return listed
                        .filter((object) => isSweptKey(object.name, state.prefix))
                        .map((object) => ({ ...object, name: `s3://${state.bucket}/${object.name}` }));
                },
                // Named by build, not by copy; only the build that wrote one may write it, so its age holds.
                ofCopies: false,
                removals: async (uri) => {
                    const key = uri.slice(`s3://${state.bucket}/`.length);
                    return [{ run: () => call("DeleteObject", uri, () => objects.delete(state.bucket, key)) }];
                },
            },
        }),
    };
}

/**
 * Sweeps the request's namespace, writes the report, then comments when a pull request is named
 * (never on a dry run). Exit 0 when everything found old enough was removed (or, on a dry run, when
 * everything could be listed), 1 otherwise or when the comment failed.
 */
export async function runSweep(
    request: SweepRequest,
    clients: Pick<AwsClients, "sweepable" | "pullRequestComments">,
    runtime: Pick<Runtime, "now" | "log" | "print" | "writeFile">,
): Promise<number> {
    const { log } = runtime;
    const startedAt = new Date(runtime.now()).toISOString();
    const cutoff = sweepCutoff(runtime.now(), request.olderThanHours);
    const scope = [
        `${request.namePrefix}-* (functions, roles, log groups /aws/lambda/${request.namePrefix}-*)`,
        ...(request.state ? [`state objects under ${s3Uri(request.state)}`] : []),
    ].join(" and ");
    log(
        `${request.dryRun ? "dry run (nothing is removed): " : ""}sweeping ${scope}, last changed before ${new Date(cutoff).toISOString()} (${request.olderThanHours} hours ago)` +
            (request.protectPrefix === undefined ? "" : `; ${request.protectPrefix}-* is protected`),
    );
    const sweeps = kindSweeps(request, clients);
    const items: SweptItem[] = [];
    const unlisted: Unlisted[] = [];
    const owners = await copyOwners(request, clients.sweepable, log);
    for (const kind of SWEPT_KINDS) {
        const sweep = sweeps[kind];
        if (sweep === undefined) continue;
        let listed: Candidate[];
        try {
            // Without the owners, nothing owned can be told apart: such a kind is not swept at all.
            if (sweep.ofCopies && owners instanceof Error) throw owners;
            listed = await sweep.list();
        } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            unlisted.push({ kind, error: message });
            log(`${SWEPT_KIND_WORDS[kind]}s: could not be listed: ${message}; the sweep goes on`);
            continue;
        }
        for (const found of listed) {
            const item = await sweepItem(kind, found, sweep, { cutoff, ...request, owners: owners instanceof Error ? undefined : owners });
            items.push(item);
            log(describeItem(item));
        }
    }
    const report = buildSweepReport(
        {
            namePrefix: request.namePrefix,
            protectPrefix: request.protectPrefix,
            olderThanHours: request.olderThanHours,
            cutoff: new Date(cutoff).toISOString(),
            dryRun: request.dryRun,
            stateUri: request.state && s3Uri(request.state),
            pullRequest: request.pullRequest,
            startedAt,
            finishedAt: new Date(runtime.now()).toISOString(),
        },
        items,
        unlisted,
    );
    runtime.writeFile(request.reportFile, `${JSON.stringify(report, null, 2)}\n`);
    const counts = countOutcomes(items);
    log(
        `swept: ${counts.deleted} removed, ${counts["would-delete"]} to remove on a real run, ${counts.kept} kept, ${counts.failed} not removed, ` +
            `${unlisted.length} kind(s) not listed; report written to ${request.reportFile}`,
    );
    const exitCode = sweepExitCode(report);
    if (request.pullRequest === undefined) return exitCode;
    if (request.dryRun) {
        log("dry run: the pull request's comment is left as it is");
        return exitCode;
    }
    const section = renderCopySection(report, {
        sourceCommit: request.pullRequest.sourceCommit,
        scheduledSweep: request.scheduledSweep,
        buildUrl: request.build.buildUrl,
        now: runtime.now(),
    });
    try {
        await publishMarkdown(
            {
                markdown: section.markdown,
                pullRequest: request.pullRequest,
                build: request.build,
                section: "copy",
                pushLogNote: section.pushLogNote,
            },
            clients.pullRequestComments,
            runtime,
        );
    } catch (error) {
        log(`the copy's line was not posted: ${describeError(error)}`);
        return EXIT_FAILED;
    }
    return exitCode;
}

/**
 * The copies running executions of `--owner-workflow` own; undefined without one, and the error
 * when they could not be read.
 */
async function copyOwners(
    request: SweepRequest,
    clients: Pick<SweepableResources, "runningExecutions">,
    log: Runtime["log"],
): Promise<CopyOwner[] | Error | undefined> {
    const workflow = request.ownerWorkflowArn;
    if (workflow === undefined) return undefined;
    try {
        const running = await call("ListExecutions", workflow, () => clients.runningExecutions(workflow));
        const owners = running.flatMap((execution) => copyOwnerOf(execution, request.namePrefix) ?? []);
        log(
            `${owners.length} running workflow execution(s) own a copy: ${owners.map((owner) => `${owner.copyPrefix}-*`).join(", ") || "none"}`,
        );
        return owners;
    } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
    }
}

/**
 * One item: kept while a running execution owns its copy (with owners) or while too young
 * (otherwise), else removed (or, on a dry run, what would be removed with it).
 */
async function sweepItem(
    kind: SweptKind,
    found: Candidate,
    sweep: KindSweep,
    context: { readonly cutoff: number; readonly olderThanHours: number; readonly dryRun: boolean; readonly owners?: readonly CopyOwner[] },
): Promise<SweptItem> {
    const base = {
        kind,
        name: found.name,
        ...(found.createdAt === undefined ? {} : { createdAt: new Date(found.createdAt).toISOString() }),
    };
    const young =
        context.owners !== undefined && found.ownedName !== undefined
            ? notOwnedOrTooOld(found.ownedName, context.owners, context.cutoff)
            : tooYoungToSweep(found.createdAt, context.cutoff, context.olderThanHours);
    if (young !== undefined) return { ...base, outcome: "kept", reason: young };
    const removedWithIt: string[] = [];
    const withIt = () => (removedWithIt.length === 0 ? {} : { removedWithIt: [...removedWithIt] });
    try {
        const removals = await sweep.removals(found.name);
        if (context.dryRun) {
            const first = removals.flatMap((removal) => (removal.what === undefined ? [] : [removal.what]));
            return { ...base, outcome: "would-delete", ...(first.length === 0 ? {} : { removedWithIt: first }) };
        }
        for (const removal of removals) {
            await removal.run();
            if (removal.what !== undefined) removedWithIt.push(removal.what);
        }
        return { ...base, outcome: "deleted", ...withIt() };
    } catch (error) {
        return { ...base, outcome: "failed", ...withIt(), error: error instanceof Error ? error.message : String(error) };
    }
}

function describeItem(item: SweptItem): string {
    const withIt = item.removedWithIt === undefined ? "" : ` (with ${item.removedWithIt.join(", ")})`;
    const what = `${SWEPT_KIND_WORDS[item.kind]} ${item.name}`;
    switch (item.outcome) {
        case "deleted":
            return `${what}: removed${withIt}`;
        case "would-delete":
            return `${what}: would be removed${withIt}`;
        case "kept":
            return `${what}: kept, ${item.reason}`;
        case "failed":
            return `${what}: NOT removed: ${item.error}${item.removedWithIt === undefined ? "" : ` (already removed: ${item.removedWithIt.join(", ")})`}`;
    }
}
