// Whether a pull request needs a throw-away copy (functional core): only when it changes a path
// that can change a function. The rule is safe by default: a path needs a copy unless it matches
// one of the globs of paths that cannot change a function, so a kind of file nobody thought of
// (a .tfvars, a template a .tf file reads, a new module) is measured rather than waved through.
import { posix } from "node:path";
import { copyNamePrefix, NAME_PREFIX_RULE, nonFunctionPathProblem, type PullRequestEvent, RUNNER_ENVIRONMENT } from "../../contract";
import { InputError, UsageError } from "./errors";
import { parseJsonOrUndefined } from "./json";

export const NON_FUNCTION_PATHS_FIELD = `--non-function-path (env ${RUNNER_ENVIRONMENT.nonFunctionPaths})`;

/** One entry of CodeCommit's GetDifferences: the path before and after (a rename has both, an addition only after, a deletion only before). */
export interface ChangedFile {
    readonly beforePath?: string;
    readonly afterPath?: string;
}

export interface CopyDecision {
    /** False only when every changed path matches a non-function glob. */
    readonly copyNeeded: boolean;
    /** The paths that differ between the destination and the source commit, in order (both sides of a rename count). */
    readonly changedPaths: readonly string[];
    /** The changed paths no glob matches, in order: why a copy is needed (empty when none is). */
    readonly functionPaths: readonly string[];
}

/** What else the decision needs from the repository, beside the differences. */
export interface CopyDecisionContext {
    /** The quality gate's own inputs (tuning input, policy): a change to them is never "no function changed". */
    readonly gateInputs: readonly string[];
    /** The files directly in each folder foldersToCheck named, at the source commit ([] when it has none). */
    readonly filesAtSource: ReadonlyMap<string, readonly string[]>;
}

/**
 * The decision for the differences between the destination and the source commit. Both paths
 * of a rename count: moving a function's file out of its directory changes the function as
 * much as deleting it. No difference at all (an empty pull request) needs no copy either. A path
 * the globs match still counts when it is a gate input, or when a folder it is in (the root
 * aside) holds a file they do not match: Terraform's archive_file packages a function's folder
 * whole, so a README.md beside index.js is part of the function's code.
 */
export function decideCopy(
    changes: readonly ChangedFile[],
    nonFunctionPaths: readonly string[],
    context?: CopyDecisionContext,
): CopyDecision {
    const paths = changedPaths(changes);
    const matches = (path: string) => nonFunctionPaths.some((glob) => posix.matchesGlob(path, glob));
    const besideFunctionFiles = (path: string) =>
        foldersOf(path).some((folder) => (context?.filesAtSource.get(folder) ?? []).some((file) => !matches(file)));
    const functionPaths = paths.filter(
        (path) => !matches(path) || context?.gateInputs.includes(path) === true || besideFunctionFiles(path),
    );
    return { copyNeeded: functionPaths.length > 0, changedPaths: paths, functionPaths };
}

/** The paths that differ, each once, in order. */
export function changedPaths(changes: readonly ChangedFile[]): string[] {
    return [
        ...new Set(
            changes.flatMap((change) =>
                [change.beforePath, change.afterPath].filter((path): path is string => path !== undefined && path !== ""),
            ),
        ),
    ];
}

/** The folders (the root aside) whose files decideCopy needs: those holding a changed path the globs match. */
export function foldersToCheck(paths: readonly string[], nonFunctionPaths: readonly string[]): string[] {
    const matching = paths.filter((path) => nonFunctionPaths.some((glob) => posix.matchesGlob(path, glob)));
    return [...new Set(matching.flatMap(foldersOf))].sort();
}

/** `a/b/c.md` is in `a/b` and `a`; a file at the root in none. */
function foldersOf(path: string): string[] {
    const parts = path.split("/").slice(0, -1);
    return parts.map((_, index) => parts.slice(0, index + 1).join("/"));
}

/** The decision as the workflow gets it: small enough for a state's output, whatever the pull request's size. */
export function decisionSummary(decision: CopyDecision): { copyNeeded: boolean; changedPaths: number; functionPaths: string[] } {
    return {
        copyNeeded: decision.copyNeeded,
        changedPaths: decision.changedPaths.length,
        functionPaths: decision.functionPaths.slice(0, SUMMARY_PATHS),
    };
}

const SUMMARY_PATHS = 10;

/**
 * The name of the copy the decision function hands the workflow with its decision: the prefix of
 * the copy's names, to which the workflow confines the copy's credentials (the workflow's own
 * language cannot cut a commit id to its first characters). `pullRequestNamePrefix` is the
 * function's environment, checked before anything else runs.
 */
export function copyNameFor(
    pullRequestNamePrefix: string | undefined,
    pullRequest: Pick<PullRequestEvent, "pullRequestId" | "sourceCommit">,
): string {
    if (pullRequestNamePrefix === undefined || !NAME_PREFIX_RULE.pattern.test(pullRequestNamePrefix)) {
        throw new UsageError(
            `${RUNNER_ENVIRONMENT.pullRequestNamePrefix} is ${JSON.stringify(pullRequestNamePrefix)}; allowed: ${NAME_PREFIX_RULE.allowed}`,
        );
    }
    return copyNamePrefix(pullRequestNamePrefix, pullRequest);
}

/** The globs as given (flags, or the environment's JSON list), each checked; `origin` names where they came from. */
export function validateNonFunctionPaths(globs: readonly string[], origin: string): string[] {
    return globs.map((glob, index) => {
        const problem = nonFunctionPathProblem(glob);
        if (problem !== undefined) throw InputError.invalid(`${origin}[${index}]`, glob, problem.allowed, problem.reason);
        return glob;
    });
}

/** The environment's JSON list of globs. */
export function parseNonFunctionPathsVariable(text: string): string[] {
    const value = parseJsonOrUndefined(text);
    if (!Array.isArray(value) || !value.every((glob) => typeof glob === "string")) {
        throw InputError.invalid(RUNNER_ENVIRONMENT.nonFunctionPaths, text, 'a JSON list of globs such as ["**/*.md", "docs/**"]');
    }
    return validateNonFunctionPaths(value, RUNNER_ENVIRONMENT.nonFunctionPaths);
}
